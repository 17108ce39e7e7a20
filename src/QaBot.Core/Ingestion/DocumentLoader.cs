using System.IO.Enumeration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Configuration;

namespace QaBot.Ingestion;

/// <summary>Finds the supported files under the given folders (recursively) and reads them in parallel.</summary>
public sealed partial class DocumentLoader(
    IEnumerable<IDocumentReader> readers,
    DocumentCatalog catalog,
    IOptions<IngestionOptions> options,
    ILogger<DocumentLoader> logger)
{
    private readonly Dictionary<string, IDocumentReader> _readers = readers
        .SelectMany(r => r.Extensions.Select(e => (Extension: e, Reader: r)))
        .ToDictionary(x => x.Extension, x => x.Reader, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> SupportedExtensions => _readers.Keys;

    /// <summary>The files that would be read, in a stable order, with their ids (path relative to the root folder).</summary>
    public IReadOnlyList<(string Path, string Id)> FindFiles(IEnumerable<string> roots)
    {
        var files = new List<(string, string)>();
        foreach (var root in roots)
        {
            if (File.Exists(root))
            {
                if (IsIncluded(root)) files.Add((root, Path.GetFileName(root)));
                continue;
            }
            if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Document folder not found: {Path.GetFullPath(root)}");

            var rootName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)));
            foreach (var path in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }).Order(StringComparer.Ordinal))
            {
                if (!IsIncluded(path)) continue;
                files.Add((path, rootName + "/" + Path.GetRelativePath(root, path).Replace('\\', '/')));
            }
        }
        return files;
    }

    public async Task<IReadOnlyList<SourceDocument>> LoadAsync(IEnumerable<string> roots, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var files = FindFiles(roots);
        var documents = new SourceDocument?[files.Count];
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount * 2 }, async (i, ct) =>
        {
            var (path, id) = files[i];
            try
            {
                var raw = await _readers[Path.GetExtension(path)].ReadAsync(path, ct);
                // Shown as the id ("seeds/001.txt"): relative to the corpus folder, the same wherever the process runs from.
                var document = ArticleCleaner.Clean(raw, id, id);
                if (document.Paragraphs.Count > 0) documents[i] = document;
                else Skip(path, SkipReason.NoText, "no text after cleaning");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One unreadable file must not stop the rest of the corpus from loading.
                Skip(path, SkipReason.Unreadable, "could not be read: " + ex.Message.ReplaceLineEndings(" "));
                LogSkipDetail(logger, ex, path);
            }
            progress?.Report(Interlocked.Increment(ref done));
        });
        return documents.OfType<SourceDocument>().ToList();
    }

    private bool IsIncluded(string path)
    {
        if (!_readers.ContainsKey(Path.GetExtension(path))) return false;
        var name = Path.GetFileName(path);
        return !options.Value.ExcludeFilePatterns.Any(p => FileSystemName.MatchesSimpleExpression(p, name, ignoreCase: true));
    }

    /// <summary>One line per skipped file, with the reason; the reader's stack trace only at Debug level (-v).</summary>
    private void Skip(string path, SkipReason reason, string detail)
    {
        catalog.Skip(new SkippedFile(path, reason, detail));
        LogSkipped(logger, path, detail);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped {Path}: {Detail}")]
    private static partial void LogSkipped(ILogger logger, string path, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Why {Path} could not be read")]
    private static partial void LogSkipDetail(ILogger logger, Exception ex, string path);
}
