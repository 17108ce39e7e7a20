using System.Collections.Concurrent;
using System.Numerics;
using QaBot.Text;

namespace QaBot.Retrieval;

/// <summary>
/// Corrects misspelt question words against the indexed articles' own vocabulary before retrieval: a word the
/// articles never use ("notebok") becomes the most frequent indexed word within a small edit distance ("notebook");
/// words the articles use, English words the embedding model's WordPiece vocabulary holds whole ("posted" stays
/// "posted" even when no article says it), numbers and short words are never changed. Hand-written because no served
/// spelling package corrects against a vocabulary built at run time.
/// </summary>
public sealed class QueryCorrector
{
    /// <summary>Whole words of the BERT uncased vocabulary the offline models share: about 20,000 common English words.</summary>
    private static readonly Lazy<HashSet<string>> EnglishWords = new(() =>
    {
        using var reader = new StreamReader(Embedding.SentenceModel.MiniLM.OpenResource("vocab.txt"));
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length >= MinLength && line.All(char.IsAsciiLetterLower)) words.Add(line);
        }
        return words;
    });

    private const int MinLength = 4;

    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _stems = new(StringComparer.Ordinal);
    private int _version;
    private volatile Buckets? _buckets;

    /// <summary>
    /// Adds word counts to the vocabulary. One writer at a time (the keyword index's write lock): the dictionaries are
    /// concurrent for the questions that read them meanwhile.
    /// </summary>
    public void AddCounts(IEnumerable<KeyValuePair<string, int>> counts)
    {
        foreach (var (word, count) in counts)
        {
            if (_counts.AddOrUpdate(word, static (_, add) => add, static (_, n, add) => n + add, count) == count) _stems.TryAdd(PorterStemmer.StemOnce(word), 0);
        }
        Interlocked.Increment(ref _version);
        _buckets = null;
    }

    /// <summary>
    /// Builds what a correction searches (the vocabulary by word length, and the English word list), which the first
    /// misspelt question would otherwise wait for: tens of milliseconds over a large corpus.
    /// </summary>
    public void Prepare()
    {
        _ = EnglishWords.Value;
        _ = CurrentBuckets();
    }

    /// <summary>A word the articles use, in this or another inflection ("reduce" when they say "reduced"), an English word, or a stopword.</summary>
    public bool Knows(string normalizedWord) =>
        _counts.ContainsKey(normalizedWord) || EnglishWords.Value.Contains(normalizedWord) || Stopwords.Contains(normalizedWord) || _stems.ContainsKey(PorterStemmer.Stem(normalizedWord));

    /// <summary>The question with each out-of-vocabulary word replaced by its correction, when there is one.</summary>
    public string Correct(string question)
    {
        if (_counts.IsEmpty) return question;
        var tokens = Tokenizer.Tokenize(question);
        var result = question;
        // Right to left, so earlier offsets stay valid as replacements change lengths.
        for (var i = tokens.Count - 1; i >= 0; i--)
        {
            var t = tokens[i];
            if (t.Kind != TokenKind.Word || t.Normalized.Length < MinLength || Knows(t.Normalized) || !t.Normalized.All(char.IsAsciiLetterLower)) continue;
            // A capitalised word may be a name the articles lack: only a one-letter slip is corrected there.
            var maxDistance = char.IsUpper(t.Text[0]) && i > 0 ? 1 : t.Normalized.Length >= 7 ? 2 : 1;
            if (Best(t.Normalized, maxDistance) is { } fix) result = result[..t.Start] + (char.IsUpper(t.Text[0]) ? char.ToUpperInvariant(fix[0]) + fix[1..] : fix) + result[t.End..];
        }
        return result;
    }

    private string? Best(string word, int maxDistance)
    {
        var byLength = CurrentBuckets();
        var letters = Letters(word);
        string? best = null;
        var bestDistance = int.MaxValue;
        var bestCount = 0;
        for (var length = word.Length - maxDistance; length <= word.Length + maxDistance; length++)
        {
            if (!byLength.TryGetValue(length, out var bucket)) continue;
            foreach (var (candidate, count, candidateLetters) in bucket)
            {
                // One edit adds or removes at most two letters from the set of letters a word uses: a cheap test that
                // skips most of the vocabulary before the quadratic distance.
                if (BitOperations.PopCount(letters ^ candidateLetters) > 2 * maxDistance) continue;
                var d = Distance(word, candidate, maxDistance);
                if (d > maxDistance) continue;
                if (d < bestDistance || (d == bestDistance && count > bestCount))
                {
                    (best, bestDistance, bestCount) = (candidate, d, count);
                }
            }
        }
        return best;
    }

    /// <summary>The buckets of the current vocabulary; a build that raced with new counts serves its caller but is not kept.</summary>
    private Dictionary<int, Entry[]> CurrentBuckets()
    {
        var version = Volatile.Read(ref _version);
        if (_buckets is { } built && built.Version == version) return built.ByLength;
        var fresh = new Buckets(version, BuildBuckets());
        if (Volatile.Read(ref _version) == version) _buckets = fresh;
        return fresh.ByLength;
    }

    private sealed record Buckets(int Version, Dictionary<int, Entry[]> ByLength);

    private Dictionary<int, Entry[]> BuildBuckets()
    {
        var words = _counts.Select(kv => (kv.Key, kv.Value)).Concat(StopwordEntries());
        return words.GroupBy(w => w.Item1.Length).ToDictionary(g => g.Key, g => g.Select(w => new Entry(w.Item1, w.Item2, Letters(w.Item1))).ToArray());

        // Stopwords are corrections too ("mcuh" is "much"), so a slip of one is not "corrected" into a rare word.
        static IEnumerable<(string, int)> StopwordEntries() => Stopwords.All.Select(s => (s, int.MaxValue / 2));
    }

    /// <summary>The set of letters a word uses, one bit each; every other character shares bit 26.</summary>
    private static uint Letters(string word)
    {
        var set = 0u;
        foreach (var c in word) set |= char.IsAsciiLetterLower(c) ? 1u << (c - 'a') : 1u << 26;
        return set;
    }

    private readonly record struct Entry(string Word, int Count, uint Letters);

    /// <summary>Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions), stopping past <paramref name="max"/>.</summary>
    public static int Distance(string a, string b, int max)
    {
        if (Math.Abs(a.Length - b.Length) > max) return max + 1;
        // Three rows on the stack: this runs for many vocabulary words per question, so it must not allocate.
        var width = b.Length + 1;
        Span<int> rows = width <= 128 ? stackalloc int[3 * width] : new int[3 * width];
        var previous2 = rows[..width];
        var previous = rows.Slice(width, width);
        var current = rows.Slice(2 * width, width);
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var v = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = Math.Min(v, previous2[j - 2] + 1);
                current[j] = v;
                rowMin = Math.Min(rowMin, v);
            }
            if (rowMin > max) return max + 1;
            var oldest = previous2;
            previous2 = previous;
            previous = current;
            current = oldest;
        }
        return previous[b.Length];
    }
}
