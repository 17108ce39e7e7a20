namespace QaBot.Text;

/// <summary>
/// The classic Porter (1980) stemmer, from Lucene.Net's Snowball port. Lower-case ASCII words in, stems out; anything
/// else is returned unchanged. BM25, the answerer and the query corrector share it, so "drop", "dropped" and "drops" meet.
/// </summary>
public static class PorterStemmer
{
    private const int MaxCached = 500_000;

    // Snowball stemmers keep their word as state: one per thread.
    [ThreadStatic]
    private static Lucene.Net.Tartarus.Snowball.Ext.PorterStemmer? _stemmer;

    // A corpus repeats its words: stemming each form once makes indexing several times faster. Bounded, so hostile
    // text of endless new words cannot grow it without limit.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

    private static int _cached;

    public static string Stem(string word)
    {
        if (!IsStemmable(word)) return word;
        if (Cache.TryGetValue(word, out var cached)) return cached;
        var stem = Compute(word);
        // A counter of our own: ConcurrentDictionary.Count takes every lock of the table, and indexing threads queued on it.
        if (Volatile.Read(ref _cached) < MaxCached && Cache.TryAdd(word, stem)) Interlocked.Increment(ref _cached);
        return stem;
    }

    /// <summary>The stem without caching it: for a caller that stems each word once (a vocabulary), where the cache would only hold memory.</summary>
    public static string StemOnce(string word) =>
        !IsStemmable(word) ? word : Cache.TryGetValue(word, out var cached) ? cached : Compute(word);

    private static bool IsStemmable(string word)
    {
        if (word.Length <= 2) return false;
        foreach (var c in word)
        {
            if (c is < 'a' or > 'z') return false;
        }
        return true;
    }

    private static string Compute(string word)
    {
        var stemmer = _stemmer ??= new Lucene.Net.Tartarus.Snowball.Ext.PorterStemmer();
        stemmer.SetCurrent(word);
        stemmer.Stem();
        return stemmer.Current;
    }
}
