using System.Text.RegularExpressions;

namespace QaBot.Conversations;

/// <summary>What a message that is conversation rather than a question does.</summary>
public enum SmallTalkKind
{
    None,

    /// <summary>"hi", "hello there", "help", "what can you do?": the user wants to know what to ask.</summary>
    Greeting,

    /// <summary>"thanks", "ok, thank you!".</summary>
    Thanks,

    /// <summary>"ok", "got it", "cool".</summary>
    Acknowledgement,

    /// <summary>"bye", "see you later".</summary>
    Goodbye,
}

/// <summary>
/// Recognises a whole message that is only a greeting, thanks, acknowledgement, goodbye or a request for help. Looked up
/// in the articles, such a message gets an unrelated passage; read as a follow-up ("thanks" after an answer), it repeats
/// the last answer. Only the whole message counts, so a question that merely contains such a word is a question.
/// </summary>
public static partial class SmallTalk
{
    /// <summary>The kind of <paramref name="message"/>, or <see cref="SmallTalkKind.None"/> when it may be a question.</summary>
    public static SmallTalkKind Classify(string message)
    {
        // "/help" as chat clients send commands; trailing "!", "?", "." and emoji carry no question.
        var text = Spaces().Replace(message.Trim().TrimStart('/').ToLowerInvariant(), " ");
        text = Trailing().Replace(text, "").Replace('’', '\'');
        if (Help().IsMatch(text)) return SmallTalkKind.Greeting;

        var words = Word().Matches(text).Select(m => m.Value).ToList();
        if (words.Count == 0 || words.Count > 6 || Word().Replace(text, "").Any(char.IsLetterOrDigit) || !words.All(Filler.Contains)) return SmallTalkKind.None;
        // One message may be several acts ("ok thanks", "thanks, bye"): the one that needs its own reply wins.
        if (words.Any(Thanks.Contains)) return SmallTalkKind.Thanks;
        if (words.Any(Goodbyes.Contains)) return SmallTalkKind.Goodbye;
        if (words.Any(Greetings.Contains)) return SmallTalkKind.Greeting;
        return words.Any(Acknowledgements.Contains) ? SmallTalkKind.Acknowledgement : SmallTalkKind.None;
    }

    private static readonly HashSet<string> Greetings = ["hi", "hello", "hey", "hiya", "howdy", "morning", "afternoon", "evening"];
    private static readonly HashSet<string> Thanks = ["thanks", "thank", "thx", "ty", "cheers"];
    private static readonly HashSet<string> Acknowledgements = ["ok", "okay", "k", "cool", "great", "nice", "perfect", "awesome", "got", "understood", "alright"];
    private static readonly HashSet<string> Goodbyes = ["bye", "goodbye", "later", "cya"];

    // Words that may stand beside the acts without making a question of them ("hi there", "thank you so much", "good morning").
    private static readonly HashSet<string> Filler =
    [
        .. Greetings, .. Thanks, .. Acknowledgements, .. Goodbyes,
        "there", "you", "so", "very", "much", "a", "lot", "many", "again", "good", "it", "see", "all", "bot", "qabot", "that's", "thats",
    ];

    [GeneratedRegex(@"^(?:help(?: me)?|(?:what|how) can you (?:do|help(?: me)?)|what do you do|who are you|what are you|how does this work|how do (?:i|you) use (?:this|you))$")]
    private static partial Regex Help();

    [GeneratedRegex(@"[a-z']+")]
    private static partial Regex Word();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    // Punctuation, symbols and emoji (surrogate pairs, variation selectors) at the end: "thanks!!", "ok 👍".
    [GeneratedRegex(@"[\s\p{P}\p{S}\p{Cs}\uFE0F\u200D]+$")]
    private static partial Regex Trailing();
}
