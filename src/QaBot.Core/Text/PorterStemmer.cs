namespace QaBot.Text;

/// <summary>
/// The classic Porter (1980) stemmer, from Lucene.Net's Snowball port. Lower-case ASCII words in, stems out; anything
/// else is returned unchanged. BM25, the answerer and the query corrector share it, so "drop", "dropped" and "drops" meet.
/// </summary>
public static class PorterStemmer
{
    // Snowball stemmers keep their word as state: one per thread.
    [ThreadStatic]
    private static Lucene.Net.Tartarus.Snowball.Ext.PorterStemmer? _stemmer;

    public static string Stem(string word)
    {
        if (word.Length <= 2) return word;
        foreach (var c in word)
        {
            if (c is < 'a' or > 'z') return word;
        }
        var stemmer = _stemmer ??= new Lucene.Net.Tartarus.Snowball.Ext.PorterStemmer();
        stemmer.SetCurrent(word);
        stemmer.Stem();
        return stemmer.Current;
    }
}
