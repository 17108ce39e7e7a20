using System.Runtime.InteropServices;
using QaBot.Chunking;
using QaBot.Text;

namespace QaBot.Retrieval;

/// <summary>
/// What the keyword index takes from one article: each passage's term frequencies (BM25) and the article's word counts
/// (the query corrector's vocabulary). Analysed once, when the article is embedded, and stored in the persistent index,
/// so loading the index does not tokenize and stem the whole corpus again.
/// </summary>
/// <param name="PassageTerms">Per passage, in passage order: each term once, with how often the passage holds it.</param>
/// <param name="Words">Every word of the passages (lower-cased, unstemmed) with its count.</param>
public sealed record KeywordEntry(IReadOnlyList<KeyValuePair<string, int>[]> PassageTerms, KeyValuePair<string, int>[] Words)
{
    public static KeywordEntry Analyse(IReadOnlyList<Chunk> chunks)
    {
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        var terms = new KeyValuePair<string, int>[chunks.Count][];
        for (var i = 0; i < chunks.Count; i++) terms[i] = Analyse(chunks[i], words);
        return new KeywordEntry(terms, [.. words]);
    }

    /// <summary>One passage's term frequencies; its words are counted into <paramref name="words"/>.</summary>
    public static KeyValuePair<string, int>[] Analyse(Chunk chunk, Dictionary<string, int> words)
    {
        var tokens = Tokenizer.Tokenize(chunk.IndexText);
        foreach (var token in tokens)
        {
            if (token.Kind == TokenKind.Word) CollectionsMarshal.GetValueRefOrAddDefault(words, token.Normalized, out _)++;
        }
        return [.. TextAnalyzer.Terms(tokens).CountBy(t => t, StringComparer.Ordinal)];
    }
}
