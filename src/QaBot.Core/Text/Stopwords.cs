namespace QaBot.Text;

/// <summary>English function words, plus the question words that carry no topic ("how", "much", "which").</summary>
public static class Stopwords
{
    private static readonly HashSet<string> Words = new(StringComparer.Ordinal)
    {
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do",
        "does", "doing", "down", "during", "each", "else", "ever", "few", "for", "from", "further", "had", "has", "have",
        "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is",
        "it", "its", "itself", "just", "me", "more", "most", "much", "many", "my", "myself", "no", "nor", "not", "now",
        "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same",
        "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then",
        "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we",
        "were", "what", "when", "where", "which", "while", "who", "whom", "whose", "why", "will", "with", "would", "you",
        "your", "yours", "yourself", "yourselves", "may", "might", "must", "shall", "tell", "said", "says", "say",
        "get", "got", "there", "s", "t", "don", "let", "us", "like", "yet", "via", "per", "please", "know",
    };

    public static bool Contains(string normalizedWord) => Words.Contains(normalizedWord);

    public static IEnumerable<string> All => Words;
}
