using QaBot.Answering;

namespace QaBot.Feedback;

public enum Vote
{
    Up,
    Down,
}

/// <summary>One user's vote on one answer, with what the answer was, so a vote can be reviewed (and become a test case) later.</summary>
/// <param name="Channel">The channel it came through: <c>msteams</c>, <c>webchat</c>, <c>slack</c>, …</param>
/// <param name="MessageRef">The rated message: the Teams activity id, or the reference QaBot put on the answer (Web Chat's action id, the Slack buttons' value).</param>
/// <param name="Reaction">What the channel sent (<c>like</c>, a Teams reaction such as <c>heart</c>, a Slack action id), before it became a <see cref="Vote"/>.</param>
/// <param name="Question">The question as the user asked it; null when the rated answer was no longer remembered.</param>
/// <param name="Answer">The answer text; null when no longer remembered.</param>
/// <param name="Citations">The answer's sources; empty when it had none or is no longer remembered.</param>
public sealed record FeedbackRecord(
    string Channel,
    string ConversationId,
    string? UserId,
    string? MessageRef,
    Vote Vote,
    string Reaction,
    string? Comment,
    string? Question,
    string? Answer,
    IReadOnlyList<Citation> Citations,
    DateTimeOffset Time)
{
    /// <summary>The store's id (0 until stored): stable, so a case exported twice keeps its id.</summary>
    public long Id { get; init; }
}

/// <summary>Which votes to read: by vote, from a time on (inclusive), by channel; null means any.</summary>
public sealed record FeedbackQuery(Vote? Vote = null, DateTimeOffset? Since = null, string? Channel = null);

/// <summary>Votes of one UTC day on one channel.</summary>
public sealed record FeedbackDayStats(DateOnly Day, string Channel, int Up, int Down);

/// <summary>Where votes go. The default is a SQLite file (<see cref="SqliteFeedbackStore"/>) that the CLI reads too.</summary>
public interface IFeedbackStore
{
    /// <summary>
    /// Stores a vote. A user who votes again on the same message changes their vote (the row is replaced), so repeated
    /// clicks do not count twice; votes without a user or message reference are all kept.
    /// </summary>
    Task AddAsync(FeedbackRecord vote, CancellationToken cancellationToken);

    /// <summary>The matching votes, oldest first.</summary>
    Task<IReadOnlyList<FeedbackRecord>> QueryAsync(FeedbackQuery query, CancellationToken cancellationToken);

    /// <summary>Vote counts per UTC day and channel, oldest day first.</summary>
    Task<IReadOnlyList<FeedbackDayStats>> StatsAsync(DateTimeOffset? since, CancellationToken cancellationToken);
}
