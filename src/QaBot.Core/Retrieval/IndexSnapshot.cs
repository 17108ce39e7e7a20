using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Ingestion;
using QaBot.Text;
using QaBot.VectorStore;

namespace QaBot.Retrieval;

/// <summary>
/// One generation of the searchable index: the keyword index (with its term statistics and vocabulary) and the passage
/// and sentence vectors. Ingestion fills the current one in place; a replica fills a new one beside it and swaps
/// (<see cref="IndexSnapshots"/>), so a question never sees half of each.
/// </summary>
public sealed class IndexSnapshot(KeywordIndex keywords, VectorStoreCollection<string, PassageRecord> passages, VectorStoreCollection<Guid, SentenceRecord> sentences)
{
    public KeywordIndex Keywords => keywords;

    public TermStatistics Statistics => keywords.Statistics;

    public QueryCorrector Vocabulary => keywords.Vocabulary;

    public VectorStoreCollection<string, PassageRecord> Passages => passages;

    public VectorStoreCollection<Guid, SentenceRecord> Sentences => sentences;

    // Each article's passage ids, and which passage holds each of its sentences. The second is worked out when a sentence
    // search first reaches the article: splitting every passage into sentences at load would slow each start-up for the
    // few articles questions reach.
    private readonly ConcurrentDictionary<string, string[]> _documentPassages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Dictionary<Guid, string[]>> _sentencePassages = new(StringComparer.Ordinal);

    /// <summary>An empty index in process memory.</summary>
    public static IndexSnapshot Create(IOptions<RetrievalOptions> retrieval, int dimensions)
    {
        var store = new InMemoryVectorStore();
        return new IndexSnapshot(
            new KeywordIndex(new TermStatistics(), new QueryCorrector(), retrieval),
            store.GetCollection<string, PassageRecord>(PassageRecord.CollectionName, PassageRecord.Definition(dimensions)),
            store.GetCollection<Guid, SentenceRecord>(SentenceRecord.CollectionName, SentenceRecord.Definition(dimensions)));
    }

    public async Task AddAsync(IReadOnlyCollection<IndexedDocument> documents, CancellationToken cancellationToken)
    {
        await passages.EnsureCollectionExistsAsync(cancellationToken);
        await sentences.EnsureCollectionExistsAsync(cancellationToken);
        foreach (var d in documents)
        {
            _documentPassages[d.Info.Id] = [.. d.Chunks.Select(c => c.Id)];
            _sentencePassages.TryRemove(d.Info.Id, out _);
        }
        // The three are independent, and each is filled by CPU-bound work on the calling thread: side by side, a start-up
        // from the stored index uses both cores.
        await Task.WhenAll(
            Task.Run(() => keywords.Add(documents.SelectMany(d => d.Chunks.Zip(d.Keywords.PassageTerms())), documents.Select(d => d.Keywords.Words())), cancellationToken),
            // Arrays of the exact size: a whole corpus's records grown by doubling leave megabytes of discarded arrays.
            Task.Run(() => passages.UpsertAsync(Exactly(documents.SelectMany(d => d.Chunks.Select((c, i) => PassageRecord.From(c, d.ChunkVectors[i]))), documents.Sum(d => d.Chunks.Count)), cancellationToken), cancellationToken),
            Task.Run(() => sentences.UpsertAsync(Exactly(documents.SelectMany(d => d.SentenceHashes.Select((hash, i) => new SentenceRecord
            {
                Id = SentenceRecord.KeyFor(d.Info.Id, hash),
                DocumentId = d.Info.Id,
                Embedding = d.SentenceVectors[i],
            })), documents.Sum(d => d.SentenceHashes.Count)), cancellationToken), cancellationToken));
    }

    /// <summary>
    /// The passages holding the <paramref name="top"/> sentences closest to <paramref name="vector"/>, closest first and
    /// each once: a passage's own vector is the sum of its sentences', so a long passage with one sentence on the
    /// question ranks low by it.
    /// </summary>
    public async Task<List<Chunk>> SearchBySentenceAsync(ReadOnlyMemory<float> vector, int top, CancellationToken cancellationToken)
    {
        var ids = new List<string>(top);
        await foreach (var hit in sentences.SearchAsync(vector, top, cancellationToken: cancellationToken))
        {
            var holders = await SentencePassagesAsync(hit.Record.DocumentId, cancellationToken);
            if (!holders.TryGetValue(hit.Record.Id, out var held)) continue;
            foreach (var id in held)
            {
                if (!ids.Contains(id)) ids.Add(id);
            }
        }
        var chunks = new Dictionary<string, Chunk>(StringComparer.Ordinal);
        await foreach (var r in passages.GetAsync(ids, cancellationToken: cancellationToken)) chunks[r.Id] = r.ToChunk();
        // A passage replaced since its article was mapped is skipped, not guessed at.
        return [.. ids.Where(chunks.ContainsKey).Select(id => chunks[id])];
    }

    /// <summary>Each sentence of an article (by its key) and the passages that hold it (two where passages overlap).</summary>
    private async ValueTask<Dictionary<Guid, string[]>> SentencePassagesAsync(string documentId, CancellationToken cancellationToken)
    {
        if (_sentencePassages.TryGetValue(documentId, out var known)) return known;
        var holders = new Dictionary<Guid, string[]>();
        if (_documentPassages.TryGetValue(documentId, out var ids))
        {
            await foreach (var r in passages.GetAsync(ids, cancellationToken: cancellationToken))
            {
                foreach (var text in r.ToChunk().Sentences())
                {
                    var key = SentenceRecord.KeyFor(documentId, text);
                    holders[key] = holders.TryGetValue(key, out var held) ? (held.Contains(r.Id) ? held : [.. held, r.Id]) : [r.Id];
                }
            }
        }
        return _sentencePassages.GetOrAdd(documentId, holders);
    }

    private static T[] Exactly<T>(IEnumerable<T> items, int count)
    {
        var array = new T[count];
        var n = 0;
        foreach (var item in items) array[n++] = item;
        return array;
    }

    public async Task RemoveAsync(IndexedDocument document, CancellationToken cancellationToken)
    {
        _documentPassages.TryRemove(document.Info.Id, out _);
        _sentencePassages.TryRemove(document.Info.Id, out _);
        foreach (var c in document.Chunks) keywords.Remove(c.Id);
        await passages.DeleteAsync(document.Chunks.Select(c => c.Id), cancellationToken);
        await sentences.DeleteAsync(document.SentenceHashes.Select(hash => SentenceRecord.KeyFor(document.Info.Id, hash)), cancellationToken);
    }
}

/// <summary>
/// The index questions are answered from. <see cref="Swap"/> replaces it in one reference write; a question calls
/// <see cref="Pin"/> first, so everything it reads (corrector, retriever, answerer) comes from the same generation and a
/// question in flight during a swap finishes on the old one. The pin is an <see cref="AsyncLocal{T}"/> so the
/// components deep in a question need no snapshot parameter threaded through every interface.
/// </summary>
public sealed class IndexSnapshots(IndexSnapshot initial, Func<IndexSnapshot> createEmpty)
{
    private readonly AsyncLocal<IndexSnapshot?> _pinned = new();
    private IndexSnapshot _latest = initial;

    /// <summary>The generation pinned by the running question, else the latest.</summary>
    public IndexSnapshot Current => _pinned.Value ?? Volatile.Read(ref _latest);

    /// <summary>A new, empty generation to fill before <see cref="Swap"/>.</summary>
    public IndexSnapshot CreateEmpty() => createEmpty();

    /// <summary>Makes <paramref name="next"/> the latest; questions already pinned keep theirs.</summary>
    public void Swap(IndexSnapshot next) => Volatile.Write(ref _latest, next);

    /// <summary>Fixes <see cref="Current"/> for the calling async flow until disposed.</summary>
    public IDisposable Pin()
    {
        var previous = _pinned.Value;
        _pinned.Value = Current;
        return new Unpin(this, previous);
    }

    private sealed class Unpin(IndexSnapshots owner, IndexSnapshot? previous) : IDisposable
    {
        public void Dispose() => owner._pinned.Value = previous;
    }
}
