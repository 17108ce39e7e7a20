using System.Collections.Concurrent;

namespace QaBot.Text;

/// <summary>
/// Document frequencies of index terms over the passages indexed so far. BM25 and the answerer read their IDF weights
/// from this one table, so both rank by the same notion of a rare, telling word.
/// </summary>
public sealed class TermStatistics
{
    private readonly ConcurrentDictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    private int _documentCount;

    public int DocumentCount => Volatile.Read(ref _documentCount);

    public int DocumentFrequency(string term) => _documentFrequency.GetValueOrDefault(term);

    /// <summary>Counts many passages at once: how many of them hold each term, and how many there are.</summary>
    public void Add(IEnumerable<KeyValuePair<string, int>> documentFrequencies, int documents)
    {
        foreach (var (term, n) in documentFrequencies) _documentFrequency.AddOrUpdate(term, static (_, add) => add, static (_, old, add) => old + add, n);
        Interlocked.Add(ref _documentCount, documents);
    }

    public void Remove(IEnumerable<string> distinctTerms)
    {
        foreach (var term in distinctTerms) _documentFrequency.AddOrUpdate(term, 0, static (_, n) => Math.Max(0, n - 1));
        Interlocked.Decrement(ref _documentCount);
    }

    /// <summary>
    /// The weight of general English in the IDF, as a number of passages: over a few articles an everyday word looks
    /// as rare as a name, so counts are smoothed toward general English (<see cref="BackgroundTerms"/>). Two seed
    /// articles (26 passages) then lean mostly on it, a 2,000-article index hardly at all. On the development sets 100
    /// and 300 did as well as each other (squad-dev's check half a little better than without); 1,000 and more made
    /// squad-dev worse.
    /// </summary>
    public const double BackgroundPassages = 100;

    /// <summary>BM25's IDF, always positive: rare terms weigh more; unseen terms weigh most.</summary>
    public double Idf(string term)
    {
        var documents = DocumentCount;
        if (documents == 0) return 1.0;
        var n = documents + BackgroundPassages;
        var df = DocumentFrequency(term) + BackgroundPassages * BackgroundTerms.Frequency(term) / BackgroundTerms.Paragraphs;
        return Math.Log(1 + (n - df + 0.5) / (df + 0.5));
    }
}
