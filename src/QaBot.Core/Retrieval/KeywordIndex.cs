using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Text;

namespace QaBot.Retrieval;

/// <summary>
/// BM25 over the same passages as the vector store: an inverted index of stemmed terms (title included), so exact
/// names, numbers and rare words rank the passages that contain them.
/// </summary>
public sealed class KeywordIndex(TermStatistics statistics, QueryCorrector vocabulary, IOptions<RetrievalOptions> options) : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Dictionary<string, List<(int Passage, int Frequency)>> _postings = new(StringComparer.Ordinal);
    private readonly List<Chunk?> _passages = [];
    private readonly List<int> _lengths = [];
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private long _totalLength;

    /// <summary>Document frequencies of this index's passages.</summary>
    public TermStatistics Statistics => statistics;

    /// <summary>The words of this index's passages, for correcting questions.</summary>
    public QueryCorrector Vocabulary => vocabulary;

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try { return _slots.Count; }
            finally { _lock.ExitReadLock(); }
        }
    }

    /// <summary>Analyses and adds passages (what ingestion does through <see cref="KeywordEntry"/>).</summary>
    public void Add(IEnumerable<Chunk> chunks)
    {
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        var analysed = chunks.Select(c => (c, (IEnumerable<KeyValuePair<string, int>>)KeywordEntry.Analyse(c, words))).ToList();
        Add(analysed, [words]);
    }

    /// <summary>
    /// Adds analysed passages, and the words of their articles to the vocabulary. The whole batch goes in under one write
    /// lock; searches keep running before and after it. Both are read once, in order, so a caller can decode them as they
    /// are read rather than hold them all.
    /// </summary>
    public void Add(IEnumerable<(Chunk Chunk, IEnumerable<KeyValuePair<string, int>> Terms)> passages, IEnumerable<IEnumerable<KeyValuePair<string, int>>> words)
    {
        // Counted apart and merged once: updating the shared concurrent table once per passage and term was most of the cost.
        var documentFrequencies = new Dictionary<string, int>(StringComparer.Ordinal);
        _lock.EnterWriteLock();
        try
        {
            var added = 0;
            foreach (var (chunk, terms) in passages)
            {
                added++;
                if (_slots.ContainsKey(chunk.Id)) RemoveLocked(chunk.Id);
                var slot = _passages.Count;
                var length = 0;
                _passages.Add(chunk);
                _slots[chunk.Id] = slot;
                foreach (var (term, frequency) in terms)
                {
                    if (!_postings.TryGetValue(term, out var list)) _postings[term] = list = [];
                    list.Add((slot, frequency));
                    CollectionsMarshal.GetValueRefOrAddDefault(documentFrequencies, term, out _)++;
                    length += frequency;
                }
                _lengths.Add(length);
                _totalLength += length;
            }
            statistics.Add(documentFrequencies, added);
            // A whole corpus added at once leaves every postings list with up to half its capacity unused.
            if (added > _slots.Count / 2) foreach (var list in _postings.Values) list.TrimExcess();
            foreach (var counts in words) vocabulary.AddCounts(counts);
        }
        finally { _lock.ExitWriteLock(); }
    }

    public void Remove(string chunkId)
    {
        _lock.EnterWriteLock();
        try { RemoveLocked(chunkId); }
        finally { _lock.ExitWriteLock(); }
    }

    private void RemoveLocked(string chunkId)
    {
        if (!_slots.Remove(chunkId, out var slot)) return;
        var chunk = _passages[slot]!;
        var terms = TextAnalyzer.Terms(chunk.IndexText).Distinct(StringComparer.Ordinal).ToList();
        foreach (var term in terms) _postings[term].RemoveAll(p => p.Passage == slot);
        statistics.Remove(terms);
        _totalLength -= _lengths[slot];
        _passages[slot] = null;
    }

    /// <summary>Passages ranked by BM25 for weighted query terms (weights let expansions count less than asked words).</summary>
    public IReadOnlyList<(Chunk Chunk, double Score)> Search(IReadOnlyList<(string Term, double Weight)> query, int top, Func<Chunk, bool>? filter = null)
    {
        var k1 = options.Value.Bm25K1;
        var b = options.Value.Bm25B;
        _lock.EnterReadLock();
        try
        {
            if (_slots.Count == 0) return [];
            var averageLength = (double)_totalLength / _slots.Count;
            // A dense score array beats a dictionary here: common terms touch thousands of passages.
            var scores = ArrayPool<double>.Shared.Rent(_passages.Count);
            var touched = new List<int>();
            Array.Clear(scores, 0, _passages.Count);
            foreach (var (term, weight) in query)
            {
                if (!_postings.TryGetValue(term, out var postings) || postings.Count == 0) continue;
                var idf = statistics.Idf(term) * weight;
                foreach (var (passage, frequency) in CollectionsMarshal.AsSpan(postings))
                {
                    var norm = k1 * (1 - b + b * _lengths[passage] / averageLength);
                    if (scores[passage] == 0) touched.Add(passage);
                    scores[passage] += idf * frequency * (k1 + 1) / (frequency + norm);
                }
            }

            var heap = new PriorityQueue<int, double>(top + 1);
            foreach (var passage in touched)
            {
                var score = scores[passage];
                if (filter is not null && !filter(_passages[passage]!)) continue;
                if (heap.Count < top) heap.Enqueue(passage, score);
                else if (heap.TryPeek(out _, out var worst) && score > worst) heap.EnqueueDequeue(passage, score);
            }
            ArrayPool<double>.Shared.Return(scores);
            var results = new List<(Chunk, double)>(heap.Count);
            while (heap.TryDequeue(out var passage, out var score)) results.Add((_passages[passage]!, score));
            results.Reverse();
            return results;
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>The articles with a passage that holds <paramref name="term"/>.</summary>
    public IReadOnlySet<string> DocumentsWith(string term)
    {
        _lock.EnterReadLock();
        try
        {
            var documents = new HashSet<string>(StringComparer.Ordinal);
            if (_postings.TryGetValue(term, out var postings)) foreach (var (passage, _) in postings) documents.Add(_passages[passage]!.DocumentId);
            return documents;
        }
        finally { _lock.ExitReadLock(); }
    }

    public void Dispose() => _lock.Dispose();
}
