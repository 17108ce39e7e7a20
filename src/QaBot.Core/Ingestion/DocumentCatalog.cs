using System.Collections.Concurrent;

namespace QaBot.Ingestion;

/// <summary>
/// The articles in the index (without their text): what the bot can tell users it knows about; and the files that were
/// found but not indexed, with the reason.
/// </summary>
public sealed class DocumentCatalog
{
    private readonly ConcurrentDictionary<string, DocumentInfo> _documents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SkippedFile> _skipped = new(StringComparer.Ordinal);

    public IReadOnlyList<DocumentInfo> Documents => _documents.Values.OrderBy(d => d.Id, StringComparer.Ordinal).ToList();

    public int Count => _documents.Count;

    /// <summary>One article by id, without copying and sorting the whole catalog as <see cref="Documents"/> does.</summary>
    public DocumentInfo? Find(string id) => _documents.GetValueOrDefault(id);

    public void Add(DocumentInfo document) => _documents[document.Id] = document;

    public void Remove(string id) => _documents.TryRemove(id, out _);

    /// <summary>Files left out of the index, by path.</summary>
    public IReadOnlyList<SkippedFile> Skipped => _skipped.Values.OrderBy(s => s.Path, StringComparer.Ordinal).ToList();

    public void Skip(SkippedFile file) => _skipped[file.Path] = file;
}

public enum SkipReason
{
    /// <summary>The reader failed on it (a broken PDF, a file that cannot be opened).</summary>
    Unreadable,

    /// <summary>Nothing was left after cleaning.</summary>
    NoText,

    /// <summary>Not fit to index: binary content, over QaBot:Ingestion:MaxFileMegabytes, markup nested too deep, over QaBot:Ingestion:MaxReadSeconds.</summary>
    Unsuitable,

    /// <summary>Not a regular file inside the folder: a FIFO, socket or device, a link out of the folder, a broken link.</summary>
    Excluded,
}

/// <summary>A file that was found and not indexed: why, in a word and in one line.</summary>
public sealed record SkippedFile(string Path, SkipReason Reason, string Detail);

public sealed record DocumentInfo(string Id, string Title, string SourcePath, string? Url, DateOnly? Published, int Passages);
