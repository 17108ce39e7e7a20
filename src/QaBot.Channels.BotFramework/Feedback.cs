using System.Collections.Concurrent;

namespace QaBot.Channels.BotFramework;

/// <summary>A user's rating of one answer: thumbs up/down (or a Teams reaction) with an optional comment.</summary>
/// <param name="ActivityId">The rated bot activity: the Teams replyToId, or QaBot's own reference for Web Chat.</param>
/// <param name="Reaction"><c>like</c>, <c>dislike</c>, or a Teams reaction type such as <c>heart</c>.</param>
/// <param name="Question">The question as the user asked it, when the rated answer is still remembered.</param>
/// <param name="Answer">The answer text, when still remembered.</param>
public sealed record FeedbackRecord(
    string ChannelId,
    string ConversationId,
    string? ActivityId,
    string Reaction,
    string? Comment,
    string? Question,
    string? Answer,
    string? UserId,
    DateTimeOffset ReceivedAt);

/// <summary>Where answer ratings go; replace the in-memory default with a durable store to keep them across restarts.</summary>
public interface IFeedbackStore
{
    Task AddAsync(FeedbackRecord feedback, CancellationToken cancellationToken);

    /// <summary>The stored feedback, oldest first.</summary>
    Task<IReadOnlyList<FeedbackRecord>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>Keeps the most recent ratings in memory (bounded, so a flood of clicks cannot exhaust memory).</summary>
public sealed class InMemoryFeedbackStore : IFeedbackStore
{
    private const int Capacity = 10_000;
    private readonly ConcurrentQueue<FeedbackRecord> _records = new();

    public Task AddAsync(FeedbackRecord feedback, CancellationToken cancellationToken)
    {
        _records.Enqueue(feedback);
        while (_records.Count > Capacity) _records.TryDequeue(out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<FeedbackRecord>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<FeedbackRecord>>(_records.ToArray());
}
