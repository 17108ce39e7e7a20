namespace QaBot.Text;

/// <summary>
/// Turns text into index terms: tokenize, drop stopwords, Porter-stem words. Numbers stay as written
/// (without thousands separators). The one analyzer shared by BM25, the query corrector and the answerer,
/// so that all three agree on what a "term" is.
/// </summary>
public static class TextAnalyzer
{
    public static List<string> Terms(string text) => Terms(Tokenizer.Tokenize(text));

    /// <summary>
    /// Whether one word is the other, or a compound or derived form of it ("carmaker" and "car", "Japanese" and "Japan"):
    /// one begins the other and is at least half its length, so "car" and "cardinal" are not.
    /// </summary>
    public static bool SharesRoot(string a, string b)
    {
        if (a.Length < 3 || b.Length < 3 || !char.IsLetter(a[0]) || a[0] != b[0]) return false;
        var (shorter, longer) = a.Length < b.Length ? (a, b) : (b, a);
        return shorter.Length * 2 >= longer.Length && longer.StartsWith(shorter, StringComparison.Ordinal);
    }

    /// <summary>The terms of text already tokenized (indexing uses the tokens for the vocabulary too).</summary>
    public static List<string> Terms(List<Token> tokens)
    {
        var terms = new List<string>(tokens.Count);
        foreach (var t in tokens)
        {
            var term = Term(t);
            if (term is null) continue;
            terms.Add(term);
            // "TimeWarner" also answers to "Time Warner": index the parts of a camel-case word too.
            if (t.Kind == TokenKind.Word && t.Text.Length > 4) AddCamelCaseParts(t.Text, terms);
        }
        return terms;
    }

    private static void AddCamelCaseParts(string word, List<string> terms)
    {
        var start = 0;
        for (var i = 1; i < word.Length; i++)
        {
            if (!(char.IsUpper(word[i]) && char.IsLower(word[i - 1]))) continue;
            AddPart(word[start..i]);
            start = i;
        }
        if (start > 0) AddPart(word[start..]);

        void AddPart(string part)
        {
            var normalized = Tokenizer.Normalize(part, TokenKind.Word);
            if (normalized.Length > 1 && !Stopwords.Contains(normalized)) terms.Add(PorterStemmer.Stem(normalized));
        }
    }

    private static bool IsAcronymOrMonth(string text) =>
        (text.Length >= 2 && text.All(char.IsUpper)) || text is "May";

    /// <summary>
    /// The index term of one lower-case word of letters, or null for a stopword: what <see cref="Terms(string)"/> gives
    /// for it, without tokenizing it or filling the stemmer's cache (for word lists, each word analysed once).
    /// </summary>
    public static string? WordTerm(string word) =>
        word.Length == 0 || Stopwords.Contains(word) ? null : PorterStemmer.StemOnce(word);

    /// <summary>The index term of one token, or null for a stopword.</summary>
    public static string? Term(in Token token)
    {
        if (token.Kind == TokenKind.Number) return token.Normalized;
        var n = token.Normalized;
        // Stopwords are matched case-sensitively in effect: "US", "IT" and the month "May" are names, "us" and "may" are not.
        if (n.Length == 0 || (Stopwords.Contains(n) && !IsAcronymOrMonth(token.Text))) return null;
        return PorterStemmer.Stem(n);
    }
}
