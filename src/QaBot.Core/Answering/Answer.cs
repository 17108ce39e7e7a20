using QaBot.Conversations;
using QaBot.Retrieval;

namespace QaBot.Answering;

/// <summary>A numbered source of an answer: which article, where it lives, and the sentence(s) relied on.</summary>
public sealed record Citation(int Index, string Title, string Source, string? Url, string Quote, DateOnly? Published, string PassageId);

public sealed record AnswerTiming(TimeSpan Rewrite, TimeSpan Retrieval, TimeSpan Answering)
{
    public TimeSpan Total => Rewrite + Retrieval + Answering;
}

/// <summary>
/// The one answer type every host renders: the answer text (with [1] markers when a model wrote it), whether the bot
/// declined, the numbered citations, and how long each step took.
/// </summary>
public sealed record Answer
{
    public const string DeclineText = "I couldn't find that in the articles.";

    public required string Question { get; init; }

    /// <summary>The question as retrieval saw it: a follow-up rewritten into a question of its own.</summary>
    public required string StandaloneQuestion { get; init; }

    public required string Text { get; init; }

    public required bool Declined { get; init; }

    /// <summary>Answered without looking anything up (no question, one too long, asked too fast, a greeting or thanks): there is nothing to rate.</summary>
    public bool Refused { get; init; }

    /// <summary>What the message was when it was conversation rather than a question (a greeting, thanks), for channels to render.</summary>
    public SmallTalkKind SmallTalk { get; init; }

    public required IReadOnlyList<Citation> Citations { get; init; }

    public required AnswerTiming Timing { get; init; }

    /// <summary>The passages retrieval returned, best first (for evaluation and debugging).</summary>
    public IReadOnlyList<RetrievedPassage> Passages { get; init; } = [];

    /// <summary>A one-line notice for the user, e.g. that the model was unavailable and the extractive answer was used.</summary>
    public string? Notice { get; init; }

    /// <summary>
    /// The text with its citation markers: a model writes them inline; an extracted answer gets them appended, so every
    /// channel can render "[1]" next to the claim.
    /// </summary>
    public string MarkedText => Citations.Count == 0 || Text.Contains("[1]", StringComparison.Ordinal)
        ? Text
        : Text + " " + string.Concat(Citations.Select(c => $"[{c.Index}]"));
}

/// <summary>What an answerer produces from a question and passages; the service adds timing and conversation context.</summary>
public sealed record AnswerDraft(string Text, bool Declined, IReadOnlyList<Citation> Citations, string? Notice = null)
{
    public static AnswerDraft Decline(string? notice = null) => new(Answer.DeclineText, true, [], notice);
}

/// <summary>Writes an answer from retrieved passages. The offline default extracts; a chat model composes.</summary>
public interface IAnswerer
{
    Task<AnswerDraft> AnswerAsync(string question, IReadOnlyList<RetrievedPassage> passages, CancellationToken cancellationToken);
}
