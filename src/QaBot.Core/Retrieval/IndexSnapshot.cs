using System.Collections.Concurrent;
using System.Numerics.Tensors;
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

    /// <summary>Reads records with their vectors (the abstraction leaves them out by default).</summary>
    public static RecordRetrievalOptions WithVectors { get; } = new() { IncludeVectors = true };

    // Each article's passage ids, and its sentences' vectors with the passages that hold them. The second is worked out
    // when a question first reaches the article: splitting every passage into sentences at load would slow each start-up.
    private readonly ConcurrentDictionary<string, string[]> _documentPassages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ArticleSentences> _articleSentences = new(StringComparer.Ordinal);

    /// <summary>An article's sentence vectors and, for each, the first and last of its passages that hold it (overlapping passages share sentences).</summary>
    private sealed record ArticleSentences(string[] Passages, ReadOnlyMemory<float>[] Vectors, int[] First, int[] Last);

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
        foreach (var d in documents) _documentPassages[d.Info.Id] = [.. d.Chunks.Select(c => c.Id)];
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
        // Forgotten once the new passages are in, so a question during the update cannot leave a mapping of half of them.
        foreach (var d in documents) _articleSentences.TryRemove(d.Info.Id, out _);
    }

    /// <summary>
    /// Of the sentences of <paramref name="documents"/>, the ids of the passages holding the <paramref name="top"/> closest to
    /// <paramref name="vector"/>, closest first and each once: a passage's own vector is the sum of its sentences', so a
    /// long passage with one sentence on the question ranks low by it. Only the articles the other rankers reached are
    /// searched: on the development sets a scan of every sentence in the corpus found no better passages, and it made a
    /// server answer a quarter fewer questions per second.
    /// </summary>
    public async Task<List<string>> SearchBySentenceAsync(ReadOnlyMemory<float> vector, int top, IEnumerable<string> documents, CancellationToken cancellationToken)
    {
        var best = new PriorityQueue<(ArticleSentences Article, int Sentence), float>(top + 1);
        foreach (var document in documents)
        {
            var article = await SentencesOfAsync(document, cancellationToken);
            for (var i = 0; i < article.Vectors.Length; i++)
            {
                if (article.Vectors[i].Length != vector.Length) continue;
                best.Enqueue((article, i), TensorPrimitives.Dot(vector.Span, article.Vectors[i].Span));
                if (best.Count > top) best.Dequeue();
            }
        }
        var closest = new List<(ArticleSentences Article, int Sentence)>(best.Count);
        while (best.TryDequeue(out var hit, out _)) closest.Add(hit);
        closest.Reverse();

        var ids = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (article, i) in closest)
        {
            for (var p = article.First[i]; p <= article.Last[i]; p++)
            {
                if (seen.Add(article.Passages[p])) ids.Add(article.Passages[p]);
            }
        }
        return ids;
    }

    private async ValueTask<ArticleSentences> SentencesOfAsync(string documentId, CancellationToken cancellationToken)
    {
        if (_articleSentences.TryGetValue(documentId, out var known)) return known;
        var ids = _documentPassages.TryGetValue(documentId, out var found) ? found : [];
        var position = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        var index = new Dictionary<Guid, int>();
        List<int> first = [], last = [];
        await foreach (var r in passages.GetAsync(ids, cancellationToken: cancellationToken))
        {
            var p = position[r.Id];
            foreach (var text in r.ToChunk().Sentences())
            {
                var key = SentenceRecord.KeyFor(documentId, text);
                if (index.TryAdd(key, first.Count))
                {
                    first.Add(p);
                    last.Add(p);
                }
                else
                {
                    var i = index[key];
                    (first[i], last[i]) = (Math.Min(first[i], p), Math.Max(last[i], p));
                }
            }
        }
        var vectors = new ReadOnlyMemory<float>[first.Count];
        await foreach (var r in sentences.GetAsync(index.Keys, WithVectors, cancellationToken)) vectors[index[r.Id]] = r.Embedding;
        return _articleSentences.GetOrAdd(documentId, new ArticleSentences(ids, vectors, [.. first], [.. last]));
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
        foreach (var c in document.Chunks) keywords.Remove(c.Id);
        await passages.DeleteAsync(document.Chunks.Select(c => c.Id), cancellationToken);
        await sentences.DeleteAsync(document.SentenceHashes.Select(hash => SentenceRecord.KeyFor(document.Info.Id, hash)), cancellationToken);
        _articleSentences.TryRemove(document.Info.Id, out _);
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
