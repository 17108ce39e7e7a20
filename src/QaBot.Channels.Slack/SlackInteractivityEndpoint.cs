using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Feedback;

namespace QaBot.Channels.Slack;

/// <summary>
/// <c>POST /api/slack/interactivity</c> (the app's Interactivity Request URL): a click on an answer's 👍/👎 button arrives
/// as a signed form whose <c>payload</c> field is a <c>block_actions</c> JSON; the vote is recorded and acknowledged with
/// an empty 200, as Slack asks within 3 seconds.
/// </summary>
internal sealed partial class SlackInteractivityEndpoint(
    SlackSignatureVerifier verifier,
    FeedbackRecorder feedback,
    IOptions<SlackOptions> options,
    ILogger<SlackInteractivityEndpoint> logger)
{
    public const string Path = "/api/slack/interactivity";
    public const string VoteBlockId = "qabot_vote";
    public const string UpActionId = "qabot_vote_up";
    public const string DownActionId = "qabot_vote_down";

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var (body, refusal) = await SlackSignedRequest.ReadAsync(context, verifier, options.Value.MaxRequestBytes, logger);
        if (refusal is not null) return refusal;

        if (!context.Request.HasFormContentType ||
            !QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body)).TryGetValue("payload", out var payload) || payload.Count != 1)
        {
            return BadRequest(context, "Slack interactivity requests are forms (application/x-www-form-urlencoded) with one payload field.");
        }

        SlackInteraction? interaction;
        try
        {
            interaction = JsonSerializer.Deserialize(payload.ToString(), SlackJsonContext.Default.SlackInteraction);
        }
        catch (JsonException ex)
        {
            return BadRequest(context, $"The payload field is not a valid interaction payload: {ex.Message}");
        }

        if (interaction is null) return BadRequest(context, "The payload field must be a JSON object.");
        // Other interactions (shortcuts, modals) are not QaBot's: acknowledged so Slack shows no error.
        var action = interaction.Actions?.FirstOrDefault(a => a is { ActionId: UpActionId or DownActionId });
        if (interaction.Type != "block_actions" || action is null)
        {
            LogIgnored(logger, interaction.Type);
            return Results.Ok();
        }

        var team = interaction.Team?.Id ?? interaction.User?.TeamId;
        if (action.Value is not { Length: > 0 } reference || interaction.User?.Id is not { Length: > 0 } user ||
            interaction.Channel?.Id is not { Length: > 0 } channel || interaction.Message?.Ts is not { Length: > 0 } ts)
        {
            return BadRequest(context, "A vote needs the action's value, user.id, channel.id and message.ts.");
        }

        var vote = new VoteCast("slack", SlackQuestion.ConversationOf(team, channel, interaction.Message.ThreadTs ?? ts), $"slack:{team}:{user}",
            reference, action.ActionId == DownActionId ? Vote.Down : Vote.Up, action.ActionId!);
        try
        {
            await feedback.RecordAsync(vote, context.RequestAborted);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogNotSaved(logger, vote.ConversationId, ex);
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Vote not saved",
                detail: "The feedback store could not be written; try again later.");
        }

        return Results.Ok();
    }

    private static IResult BadRequest(HttpContext context, string detail) =>
        SlackSignedRequest.Refuse(context, StatusCodes.Status400BadRequest, "Malformed Slack interaction", detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignoring Slack interaction of type {Type}")]
    private static partial void LogIgnored(ILogger logger, string? type);

    [LoggerMessage(Level = LogLevel.Error, Message = "A Slack vote in conversation {ConversationId} could not be saved")]
    private static partial void LogNotSaved(ILogger logger, string conversationId, Exception exception);
}
