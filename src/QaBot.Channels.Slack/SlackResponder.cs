using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Feedback;
using QaBot.State;
using QaBot.Turns;

namespace QaBot.Channels.Slack;

/// <summary>
/// Answers an accepted event as a turn of the shared <see cref="TurnRunner"/>, after the endpoint has acknowledged it
/// within Slack's 3 seconds: in arrival order within a thread, threads side by side. At start-up it learns the bot's ids.
/// </summary>
internal sealed partial class SlackResponder(
    SlackBotIdentityProvider identity,
    TurnRunner turns,
    SlackApiClient api,
    ISentAnswerStore sentAnswers,
    IOptions<SlackOptions> options,
    ILogger<SlackResponder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.IsEnabled) return;

        // Learn our ids early so a bad token shows in the log at start-up; on failure each event tries again.
        try
        {
            await identity.GetAsync(stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogIdentityFailed(logger, ex);
        }
    }

    public async Task RespondAsync(SlackEnvelope envelope, CancellationToken cancellationToken)
    {
        var question = SlackQuestion.From(envelope, await identity.GetAsync(cancellationToken));
        if (question is null)
        {
            LogIgnored(logger, envelope.EventId, envelope.Event?.Type, envelope.Event?.Subtype);
            return;
        }

        SlackReply reply;
        try
        {
            var answer = await turns.AskAsync(question.Text, question.ConversationId, question.UserId, cancellationToken);
            // Remembered before it is posted, so a click on its buttons always finds it.
            var reference = Guid.NewGuid().ToString("N");
            await sentAnswers.RememberAsync(question.ConversationId, reference, new SentAnswer(question.Text, answer.Text, answer.Citations), cancellationToken);
            reply = SlackAnswerRenderer.Render(answer, reference);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A state store outage is logged once by its connection; each turn it fails needs no stack trace of its own.
            LogAnswerFailed(logger, question.ConversationId, StateUnavailable.Is(ex) ? null : ex);
            reply = SlackAnswerRenderer.Failure();
        }

        try
        {
            await api.PostMessageAsync(new ChatPostMessageRequest(question.Channel, reply.Text, question.ThreadTs, reply.Blocks), cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Already logged with Slack's reason by the client when it is a SlackApiException; this says which event.
            LogReplyFailed(logger, envelope.EventId, ex);
            return;
        }
        LogReplied(logger, envelope.EventId, question.Channel, question.ThreadTs);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not learn the Slack bot's identity with auth.test; will retry with the next event")]
    private static partial void LogIdentityFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Slack event {EventId} ({Type}/{Subtype}) needs no answer")]
    private static partial void LogIgnored(ILogger logger, string? eventId, string? type, string? subtype);

    [LoggerMessage(Level = LogLevel.Error, Message = "Answering failed in conversation {ConversationId}; posting an apology")]
    private static partial void LogAnswerFailed(ILogger logger, string conversationId, Exception? exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not reply to Slack event {EventId}")]
    private static partial void LogReplyFailed(ILogger logger, string? eventId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replied to Slack event {EventId} in {Channel}, thread {ThreadTs}")]
    private static partial void LogReplied(ILogger logger, string? eventId, string channel, string threadTs);
}
