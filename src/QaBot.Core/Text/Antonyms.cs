namespace QaBot.Text;

/// <summary>
/// Opposite words by their index terms ("increas" against "decreas", "largest" against "smallest"), from WordNet's
/// antonym pairs (antonyms.txt, written by scripts/antonyms). A question that swaps a word of the text for its opposite
/// asks about something the text does not say.
/// </summary>
public static class Antonyms
{
    private static readonly Dictionary<string, HashSet<string>> Opposites = Load();

    /// <summary>The index terms opposite to an index term; empty when WordNet gives none.</summary>
    public static IReadOnlySet<string> Of(string term) => Opposites.TryGetValue(term, out var opposites) ? opposites : Empty;

    private static readonly HashSet<string> Empty = [];

    /// <summary>How many terms have an opposite. The first use reads the list (a tenth of a second), so ingestion calls this.</summary>
    public static int Count => Opposites.Count;

    private static Dictionary<string, HashSet<string>> Load()
    {
        var opposites = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var terms = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var line in EmbeddedLists.Lines("antonyms.txt", "antonym list"))
        {
            var words = line.Split(' ');
            // Stopwords ("before", "after") have no term, and two words can share a stem ("sensible", "sensitive").
            if (words.Length != 2 || TermOf(words[0]) is not { } a || TermOf(words[1]) is not { } b || a == b) continue;
            Add(a, b);
            Add(b, a);
        }
        return opposites;

        // A word is in many pairs; each is analysed once.
        string? TermOf(string word)
        {
            if (!terms.TryGetValue(word, out var term)) terms[word] = term = TextAnalyzer.WordTerm(word);
            return term;
        }

        void Add(string term, string opposite)
        {
            if (!opposites.TryGetValue(term, out var set)) opposites[term] = set = new(StringComparer.Ordinal);
            set.Add(opposite);
        }
    }
}
