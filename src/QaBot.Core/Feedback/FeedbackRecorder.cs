using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace QaBot.Feedback;

/// <summary>A vote as a channel received it: who voted on which message of which conversation, translated to up or down.</summary>
/// <param name="MessageRef">The channel's reference to the rated answer, under which it was remembered (<see cref="ISentAnswerStore"/>).</param>
public sealed record VoteCast(string Channel, string ConversationId, string? UserId, string? MessageRef, Vote Vote, string Reaction, string? Comment = null);

/// <summary>
/// Every channel's votes go through here: joined with the answer they are about (while it is remembered), stored, counted
/// ("qabot.feedback.votes") and logged without what the user wrote.
/// </summary>
public sealed partial class FeedbackRecorder(IFeedbackStore store, ISentAnswerStore sentAnswers, TimeProvider time, ILogger<FeedbackRecorder> logger)
{
    private static readonly Meter Meter = new("QaBot.Feedback");
    private static readonly Counter<long> Votes = Meter.CreateCounter<long>("qabot.feedback.votes", description: "Votes on answers, by vote and channel");

    public async Task<FeedbackRecord> RecordAsync(VoteCast cast, CancellationToken cancellationToken)
    {
        var rated = cast.MessageRef is { Length: > 0 } reference ? await sentAnswers.FindAsync(cast.ConversationId, reference, cancellationToken) : null;
        var record = new FeedbackRecord(cast.Channel, cast.ConversationId, cast.UserId, cast.MessageRef, cast.Vote, cast.Reaction, cast.Comment,
            rated?.Question, rated?.Answer, rated?.Citations ?? [], time.GetUtcNow());
        await store.AddAsync(record, cancellationToken);
        Votes.Add(1, new KeyValuePair<string, object?>("vote", cast.Vote == Vote.Down ? "down" : "up"), new KeyValuePair<string, object?>("channel", cast.Channel));
        // What the user wrote (comment, question) belongs in the feedback store, not in logs.
        LogVote(logger, cast.Channel, cast.ConversationId, cast.MessageRef, cast.Vote, cast.Reaction, rated is not null, cast.Comment?.Length ?? 0);
        return record;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Vote on {Channel} conversation {ConversationId}, message {MessageRef}: {Vote} ({Reaction}), answer known: {AnswerKnown}, comment of {CommentChars} characters")]
    private static partial void LogVote(ILogger logger, string channel, string conversationId, string? messageRef, Vote vote, string reaction, bool answerKnown, int commentChars);
}
