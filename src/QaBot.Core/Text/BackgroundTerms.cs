namespace QaBot.Text;

/// <summary>
/// How common each index term is in general English: the share of the Brown corpus's paragraphs that hold it
/// (background-terms.txt, written by scripts/background-terms). <see cref="TermStatistics"/> leans on it where the
/// indexed articles are too few to tell a common word from a telling one.
/// </summary>
public static class BackgroundTerms
{
    private static readonly (Dictionary<string, int> Frequency, int Paragraphs) Table = Load();

    /// <summary>How many paragraphs the counts are out of.</summary>
    public static int Paragraphs => Table.Paragraphs;

    /// <summary>The paragraphs holding a term; 0 for a term met in fewer than two.</summary>
    public static int Frequency(string term) => Table.Frequency.GetValueOrDefault(term);

    private static (Dictionary<string, int>, int) Load()
    {
        var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
        var paragraphs = 0;
        foreach (var line in EmbeddedLists.Lines("background-terms.txt", "background term counts"))
        {
            var space = line.LastIndexOf(' ');
            var (term, count) = (line[..space], int.Parse(line.AsSpan(space + 1), System.Globalization.CultureInfo.InvariantCulture));
            // The header; no index term is "paragraphs", since the stemmer makes it "paragraph".
            if (term == "paragraphs") paragraphs = count;
            else frequency[term] = count;
        }
        return (frequency, paragraphs);
    }
}
