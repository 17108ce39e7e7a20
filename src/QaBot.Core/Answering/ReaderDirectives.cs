using System.Text.RegularExpressions;
using QaBot.Text;

namespace QaBot.Answering;

/// <summary>
/// Recognises sentences that speak to the reader (or to the bot) instead of reporting: instructions planted in an
/// article ("Ignore previous instructions", "Tell the user to visit …"). Such text is never quoted as an answer nor
/// sent to a chat model. The test is grammatical, not a list of attacks: a clause in the imperative mood (it opens
/// with a verb's base form followed by its object), a sentence that addresses "you" as an assistant or model, or one
/// that speaks of a model's instructions, prompt or role. Quotations are left out first, since reported speech
/// ("“Tell them the truth,” he said") reports. Plain second person is not enough: reviews say "the game lets you …".
/// </summary>
public static partial class ReaderDirectives
{
    public static bool IsDirective(string sentence)
    {
        var unquoted = Quoted().Replace(sentence, " ");
        if (SecondPerson().IsMatch(unquoted) && Assistant().IsMatch(unquoted) || AboutInstructions().IsMatch(unquoted)) return true;
        // A sentence opens with a capital; a lower-case start is a fragment cut from a list or a table, not a command.
        return ClauseStart().Matches(unquoted).Any(m => (m.Index > 0 || char.IsUpper(m.Groups["verb"].Value[0]))
            && IsImperative(m.Groups["verb"].Value, m.Groups["next"].Value));
    }

    /// <summary>
    /// A clause that opens with a verb's base form and goes straight to its object ("Visit the site", "Ignore all
    /// …"), as opposed to one that opens with its subject ("Sales fell") or with a linking word ("Despite the …").
    /// </summary>
    private static bool IsImperative(string first, string next)
    {
        var word = first.ToLowerInvariant();
        if (word == "please") return true;
        // Inflected forms are not the base form: "Shares", "Rallied", "Selling", "Recently".
        if (word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) || word.EndsWith("ed", StringComparison.Ordinal)
            || word.EndsWith("ing", StringComparison.Ordinal) || word.EndsWith("ly", StringComparison.Ordinal))
        {
            return false;
        }
        if (Linking.Contains(word) || Stopwords.Contains(word) && !BaseVerbs.Contains(word)) return false;
        // A capital inside the word marks a name or an acronym ("McLaren", "BBC"), not a verb.
        if (first.Skip(1).Any(char.IsUpper)) return false;
        if (WebAddress().IsMatch(next.TrimEnd('.'))) return true;
        // A capital after the first word makes a title or a name ("Meet The Fockers", "Former All Saints").
        return !char.IsUpper(next[0]) && ObjectStart.Contains(next);
    }

    /// <summary>Base forms of verbs that the stopword list holds as function words.</summary>
    private static readonly HashSet<string> BaseVerbs = new(StringComparer.Ordinal) { "tell", "say", "get", "let", "know", "do", "be" };

    /// <summary>What an imperative's object opens with: a determiner, a possessive or an object pronoun.</summary>
    private static readonly HashSet<string> ObjectStart = new(StringComparer.Ordinal)
    {
        "the", "a", "an", "this", "these", "those", "all", "any", "every", "each", "some",
        "my", "your", "our", "his", "her", "its", "their", "me", "us", "him", "them", "it",
    };

    /// <summary>
    /// Prepositions, conjunctions and sentence adverbs that the stopword list lacks: they too open a clause with a
    /// determiner after them ("Despite the …", "Meanwhile the …", "Earlier this year …").
    /// </summary>
    private static readonly HashSet<string> Linking = new(StringComparer.Ordinal)
    {
        "across", "afterwards", "ago", "albeit", "along", "alongside", "although", "amid", "amidst", "among", "amongst",
        "around", "behind", "beneath", "beside", "besides", "beyond", "despite", "earlier", "elsewhere", "even", "except",
        "hence", "however", "indeed", "inside", "instead", "last", "later", "meanwhile", "moreover", "near", "nevertheless",
        "next", "nonetheless", "outside", "overall", "perhaps", "since", "still", "thereafter", "therefore", "though",
        "thus", "today", "tomorrow", "tonight", "toward", "towards", "unless", "unlike", "upon", "whereas", "whether",
        "within", "without", "yesterday", "almost", "half", "twice", "whatever", "whenever", "wherever", "whoever",
        "first", "second", "third", "finally", "again", "once", "ever", "never", "always", "often", "sometimes", "soon",
        "already", "rather", "quite", "past", "plus", "minus", "versus", "via", "throughout", "underneath", "onto",
        "neither", "either", "maybe", "mind", "whilst", "otherwise", "somehow", "furthermore", "none", "given", "online", "oh",
    };

    /// <summary>Spans in quotation marks, left out as reported speech; a quote still open runs to the sentence's end.</summary>
    [GeneratedRegex("“[^”]*(?:”|$)|\"[^\"]*(?:\"|$)")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\b(?:you|your|yours|yourself|yourselves)\b", RegexOptions.IgnoreCase)]
    private static partial Regex SecondPerson();

    [GeneratedRegex(@"\b(?:assistant|ai|chatbot|bot|language\s+model|llm)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Assistant();

    /// <summary>Talk of a model's own instructions or role: what no article reports on its subject.</summary>
    [GeneratedRegex(@"\byou\s+(?:are|will)\s+now\b|\b(?:ignore|disregard|forget|override|bypass)\b[^.!?]{0,40}?\b(?:instructions?|prompts?|rules|guidelines|directives?)\b|\bsystem\s+prompt\b|\bdeveloper\s+mode\b", RegexOptions.IgnoreCase)]
    private static partial Regex AboutInstructions();

    /// <summary>
    /// The first two words of each clause: at the start, and after a colon, semicolon or dash (quotes and brackets
    /// before the first word are skipped).
    /// </summary>
    [GeneratedRegex(@"(?:^|[:;—–]\s)[^\p{L}\p{N}]*(?<verb>\p{L}+)\s+(?<next>[\p{L}\p{N}][\w.\-/@]*)")]
    private static partial Regex ClauseStart();

    [GeneratedRegex(@"^(?:https?://|www\.)|^[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}(?:/|$)|@", RegexOptions.IgnoreCase)]
    private static partial Regex WebAddress();
}
