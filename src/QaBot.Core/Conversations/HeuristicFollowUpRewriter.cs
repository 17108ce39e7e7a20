using System.Text.RegularExpressions;
using QaBot.Text;

namespace QaBot.Conversations;

/// <summary>
/// The offline follow-up rewriter. It recognises the common shapes of a follow-up and rebuilds a full question from
/// the previous one:
/// <list type="bullet">
/// <item>"and Toyota?" / "what about Toyota?": the previous question with its subject swapped ("How much have Toyota sales dropped?");</item>
/// <item>"how long has it been falling?": the pronoun replaced by the previous question's subject;</item>
/// <item>a short fragment ("by how much?"): appended to the previous question.</item>
/// </list>
/// Anything else is taken as a new question.
/// </summary>
public sealed partial class HeuristicFollowUpRewriter : IFollowUpRewriter
{
    public Task<RewrittenQuestion> RewriteAsync(string question, IReadOnlyList<ConversationTurn> history, CancellationToken cancellationToken = default) =>
        Task.FromResult(Rewrite(question, history));

    public static RewrittenQuestion Rewrite(string question, IReadOnlyList<ConversationTurn> history)
    {
        var q = question.Trim();
        if (history.Count == 0 || q.Length == 0) return new(q, false);
        var previous = history[^1].StandaloneQuestion;
        var subject = Subjects(previous).Cast<(string Text, int Index)?>().FirstOrDefault();

        // "why?" asks for the reason of the event the previous question was about, not for its figure again.
        if (ReasonFollowUp().IsMatch(q)) return new(AskWhy(previous), true);

        var lead = FollowUpLead().Match(q);
        if (lead.Success)
        {
            var rest = lead.Groups["rest"].Value.Trim().TrimEnd('?', '.', '!', ' ');
            if (rest.Length == 0) return new(previous, true);
            if (IsStandalone(rest)) return new(Capitalise(rest) + "?", true);
            var entity = LeadingPreposition().Replace(rest, "");
            if (subject is not null) return new(ReplaceFirst(previous, subject.Value, entity), true);
            return new($"{previous.TrimEnd('?', '.', ' ')} ({entity})?", true);
        }

        var hasOwnSubject = Subjects(q).Any();
        if (!hasOwnSubject && subject is not null && Pronoun().IsMatch(q))
        {
            var name = subject.Value.Text;
            var rewritten = Pronoun().Replace(q, m => m.Value.ToLowerInvariant() switch
            {
                "its" or "their" or "his" or "her" => name + "'s",
                _ => name,
            }, 1);
            return new(rewritten, true);
        }

        // A fragment with little content of its own ("by how much?", "since when?") continues the previous question; one
        // that does not read as a question ("interesting", "no") is not glued onto it.
        if (!hasOwnSubject && TextAnalyzer.Terms(q).Count <= 1 && (q.EndsWith('?') || FragmentLead().IsMatch(q))) return new($"{previous.TrimEnd('?', '.', ' ')}, {q.TrimEnd('?', '.', ' ')}?", true);
        return new(q, false);
    }

    /// <summary>"How much have Honda sales dropped?" → "Why have Honda sales dropped?": the clause from its first auxiliary on.</summary>
    public static string AskWhy(string previous)
    {
        var clause = previous.Trim().TrimEnd('?', '.', '!', ' ');
        var auxiliary = Auxiliary().Match(clause);
        var rest = auxiliary.Success ? clause[auxiliary.Index..] : LeadingWh().Replace(clause, "");
        return $"Why {rest}?";
    }

    /// <summary>Capitalised word runs after the first word: the names a question is about.</summary>
    private static IEnumerable<(string Text, int Index)> Subjects(string question)
    {
        var tokens = Tokenizer.Tokenize(question);
        for (var i = 1; i < tokens.Count; i++)
        {
            if (!IsName(tokens[i])) continue;
            var j = i;
            while (j + 1 < tokens.Count && IsName(tokens[j + 1]) && tokens[j + 1].Start == tokens[j].End + 1) j++;
            var start = tokens[i].Start;
            var end = tokens[j].End;
            // Keep "Honda" out of "Honda's": the possessive belongs to the sentence, not the name.
            var text = question[start..end];
            if (text.EndsWith("'s", StringComparison.Ordinal) || text.EndsWith("’s", StringComparison.Ordinal)) text = text[..^2];
            yield return (text, start);
            i = j;
        }
    }

    private static bool IsName(Token t) => t.Kind == TokenKind.Word && char.IsUpper(t.Text[0]) && t.Text != "I";

    private static string ReplaceFirst(string text, (string Text, int Index) subject, string replacement) =>
        text[..subject.Index] + replacement + text[(subject.Index + subject.Text.Length)..];

    private static bool IsStandalone(string text) => QuestionWord().IsMatch(text) && TextAnalyzer.Terms(text).Count >= 3;

    private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    [GeneratedRegex(@"^(?:(?:and|but|also|ok|okay|so)[,\s]+)?(?:(?:what|how)\s+about|what\s+of|same\s+for)\s+(?<rest>.*)$|^(?:and|also|but)\s+(?<rest>.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex FollowUpLead();

    [GeneratedRegex(@"^\s*(?:and\s+|but\s+|so\s+)?(?:why|how come|how so|for what reason)(?:\s+(?:is|was)\s+that|\s+so)?\s*[?.!]*\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex ReasonFollowUp();

    [GeneratedRegex(@"\b(?:did|does|do|is|are|was|were|has|have|had|will|would|can|could)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Auxiliary();

    [GeneratedRegex(@"^\s*(?:(?:by\s+)?how(?:\s+(?:much|many|long|far|old|big))?|what|which|who|when|where)\s+", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingWh();

    [GeneratedRegex(@"^(?:(?:by|since|from|until|in|for|of|at|to|with)\s+)?(?:how|what|which|who|whom|whose|when|where|why)\b", RegexOptions.IgnoreCase)]
    private static partial Regex FragmentLead();

    [GeneratedRegex(@"^(?:for|in|of|with|about|at|to)\s+", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingPreposition();

    [GeneratedRegex(@"\b(it|its|they|their|them|he|his|she|her)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Pronoun();

    [GeneratedRegex(@"^\s*(how|what|who|whom|whose|which|when|where|why|is|are|was|were|did|does|do|can|could|will|would|has|have|had)\b", RegexOptions.IgnoreCase)]
    private static partial Regex QuestionWord();
}
