using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Text;
using QaBot.Turns;

namespace QaBot.Channels.Slack;

/// <summary>
/// <c>POST /api/slack/events</c>: verify the signature over the raw body, answer <c>url_verification</c>, and accept
/// <c>event_callback</c>s at once as turns of the shared <see cref="TurnRunner"/>, since Slack gives up after 3 seconds and redelivers.
/// </summary>
internal sealed partial class SlackEventsEndpoint(
    SlackSignatureVerifier verifier,
    ISlackEventLog recent,
    TurnRunner turns,
    SlackResponder responder,
    IOptions<SlackOptions> options,
    ILogger<SlackEventsEndpoint> logger)
{
    public const string Path = "/api/slack/events";

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var (body, refusal) = await SlackSignedRequest.ReadAsync(context, verifier, options.Value.MaxRequestBytes, logger);
        if (refusal is not null) return refusal;

        SlackEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(body, SlackJsonContext.Default.SlackEnvelope);
        }
        catch (JsonException ex)
        {
            return BadRequest(context, $"The body is not a valid Slack event payload: {JsonErrors.Describe(ex)}.");
        }

        return envelope switch
        {
            null => BadRequest(context, "The body must be a JSON object."),
            { Type: "url_verification", Challenge: { } challenge } =>
                Results.Json(new UrlVerificationResponse(challenge), SlackJsonContext.Default.UrlVerificationResponse),
            { Type: "url_verification" } => BadRequest(context, "url_verification needs a challenge."),
            { Type: "event_callback" } => await AcceptAsync(context, envelope),
            _ => Ignore(envelope.Type),
        };
    }

    private async Task<IResult> AcceptAsync(HttpContext context, SlackEnvelope envelope)
    {
        if (envelope.EventId is not { Length: > 0 } eventId || envelope.Event is null)
        {
            return BadRequest(context, "An event_callback needs an event_id and an event.");
        }

        // A redelivery (X-Slack-Retry-Num) of an event already accepted is acknowledged and dropped; one whose first
        // delivery never reached us (e.g. before a restart) is still answered.
        if (!await recent.TryAddAsync(eventId))
        {
            LogDuplicate(logger, eventId, context.Request.Headers["X-Slack-Retry-Num"], context.Request.Headers["X-Slack-Retry-Reason"]);
            return Results.Ok();
        }

        if (turns.TryEnqueue(SlackQuestion.ConversationOf(envelope), ct => responder.RespondAsync(envelope, ct)) != TurnAdmission.Accepted)
        {
            await recent.ForgetAsync(eventId);
            LogQueueFull(logger, eventId);
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy",
                detail: "Too many questions are waiting; Slack will redeliver this event.");
        }

        return Results.Ok();
    }

    private IResult Ignore(string? type)
    {
        LogUnknownType(logger, type);
        return Results.Ok();
    }

    private static IResult BadRequest(HttpContext context, string detail) =>
        SlackSignedRequest.Refuse(context, StatusCodes.Status400BadRequest, "Malformed Slack event", detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slack event {EventId} was already accepted; ignoring redelivery {RetryNum} ({RetryReason})")]
    private static partial void LogDuplicate(ILogger logger, string eventId, string? retryNum, string? retryReason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack event {EventId} refused: too many questions are waiting")]
    private static partial void LogQueueFull(ILogger logger, string eventId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignoring Slack payload of type {Type}")]
    private static partial void LogUnknownType(ILogger logger, string? type);
}
