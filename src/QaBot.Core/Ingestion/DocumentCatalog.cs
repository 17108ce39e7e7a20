using System.Collections.Concurrent;

namespace QaBot.Ingestion;

/// <summary>The articles in the index (without their text): what the bot can tell users it knows about.</summary>
public sealed class DocumentCatalog
{
    private readonly ConcurrentDictionary<string, DocumentInfo> _documents = new(StringComparer.Ordinal);

    public IReadOnlyList<DocumentInfo> Documents => _documents.Values.OrderBy(d => d.Id, StringComparer.Ordinal).ToList();

    public int Count => _documents.Count;

    public void Add(DocumentInfo document) => _documents[document.Id] = document;

    public void Remove(string id) => _documents.TryRemove(id, out _);
}

public sealed record DocumentInfo(string Id, string Title, string SourcePath, string? Url, DateOnly? Published, int Passages);
