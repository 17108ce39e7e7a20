namespace QaBot.Text;

/// <summary>
/// Turns text into index terms: tokenize, drop stopwords, Porter-stem words. Numbers stay as written
/// (without thousands separators). The one analyzer shared by BM25, the local embedder and the answerer,
/// so that all three agree on what a "term" is.
/// </summary>
public static class TextAnalyzer
{
    public static List<string> Terms(string text)
    {
        var tokens = Tokenizer.Tokenize(text);
        var terms = new List<string>(tokens.Count);
        foreach (var t in tokens)
        {
            var term = Term(t);
            if (term is not null) terms.Add(term);
        }
        return terms;
    }

    /// <summary>The index term of one token, or null for a stopword.</summary>
    public static string? Term(in Token token)
    {
        if (token.Kind == TokenKind.Number) return token.Normalized;
        var n = token.Normalized;
        if (n.Length == 0 || Stopwords.Contains(n)) return null;
        return PorterStemmer.Stem(n);
    }
}
