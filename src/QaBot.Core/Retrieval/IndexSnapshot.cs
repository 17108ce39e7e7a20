using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;
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

    private static T[] Exactly<T>(IEnumerable<T> items, int count)
    {
        var array = new T[count];
        var n = 0;
        foreach (var item in items) array[n++] = item;
        return array;
    }

    public async Task RemoveAsync(IndexedDocument document, CancellationToken cancellationToken)
    {
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
