namespace QaBot.Chunking;

public readonly record struct Sentence(string Text, int Start);

/// <summary>
/// Rule-based sentence splitter for news prose: ends a sentence at . ! ? (and closing quotes) followed by a space and
/// a capital, digit or quote (a reference mark such as "[3]" may come between), but not after abbreviations ("Mr.",
/// "U.S.", "ca. 2 million") or initials ("J. Smith"), and never inside numbers ("24.2%").
/// </summary>
public static class SentenceSplitter
{
    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "inc", "ltd", "co", "corp", "plc", "vs", "etc", "e.g", "i.e",
        "u.s", "u.k", "u.n", "e.u", "no", "gen", "col", "lt", "sgt", "capt", "rep", "sen", "gov", "rev", "hon", "approx", "dept",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fig", "vol", "p", "pp", "cf", "al",
    };

    /// <summary>
    /// Abbreviations that stand before a number ("ca. 2 million", "c. 1600", "d. 1259", "est. 1850"): after one, a
    /// period followed by a digit does not end a sentence. Before a word they are ordinary words ("Plan B."), so they
    /// are not in <see cref="Abbreviations"/>.
    /// </summary>
    private static readonly HashSet<string> BeforeNumbers = new(StringComparer.OrdinalIgnoreCase) { "ca", "c", "circ", "b", "d", "fl", "est", "nos" };

    public static IEnumerable<Sentence> Split(string text)
    {
        var start = SkipSpaces(text, 0);
        var i = start;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is '.' or '!' or '?' or '。' or '！' or '？')
            {
                var end = i + 1;
                while (end < text.Length)
                {
                    if (text[end] is '.' or '!' or '?' or '"' or '”' or '’' or '\'' or ')' or ']') end++;
                    else if (ReferenceMarkEnd(text, end) is var mark and > 0) end = mark;
                    else break;
                }
                if (IsBoundary(text, i, end))
                {
                    yield return new Sentence(text[start..end].Trim(), start);
                    start = SkipSpaces(text, end);
                    i = start;
                    continue;
                }
                i = end;
                continue;
            }
            i++;
        }
        if (start < text.Length)
        {
            var rest = text[start..].Trim();
            if (rest.Length > 0) yield return new Sentence(rest, start);
        }
    }

    private static bool IsBoundary(string text, int mark, int end)
    {
        if (end >= text.Length) return true;
        if (!char.IsWhiteSpace(text[end])) return text[mark] is '。' or '！' or '？';
        var next = SkipSpaces(text, end);
        if (next >= text.Length) return true;
        var n = text[next];
        if (!(char.IsUpper(n) || char.IsDigit(n) || n is '"' or '“' or '‘' or '\'' or '(' or '[')) return false;
        if (text[mark] != '.') return true;

        // The word before the period: an abbreviation or a single initial does not end a sentence.
        var wordStart = mark;
        while (wordStart > 0 && (char.IsLetter(text[wordStart - 1]) || text[wordStart - 1] == '.')) wordStart--;
        var word = text[wordStart..mark];
        if (word.Length == 1 && char.IsUpper(word[0])) return false;
        if (char.IsDigit(n) && BeforeNumbers.Contains(word)) return false;
        return !Abbreviations.Contains(word);
    }

    /// <summary>
    /// Where a reference mark that starts at <paramref name="i"/> ends ("[3]", "[citation needed]", as Wikipedia text
    /// puts after a sentence's period), or 0 when none starts there.
    /// </summary>
    private static int ReferenceMarkEnd(string text, int i)
    {
        if (i >= text.Length || text[i] != '[') return 0;
        var close = text.IndexOf(']', i + 1, Math.Min(MaxReferenceMark, text.Length - i - 1));
        return close > i + 1 && text.AsSpan(i + 1, close - i - 1).IndexOfAny('[', '\n') < 0 ? close + 1 : 0;
    }

    private const int MaxReferenceMark = 24;

    private static int SkipSpaces(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        return i;
    }
}
