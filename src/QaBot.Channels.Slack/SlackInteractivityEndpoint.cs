using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Feedback;
using QaBot.Text;

namespace QaBot.Channels.Slack;

/// <summary>
/// <c>POST /api/slack/interactivity</c> (the app's Interactivity Request URL): a click on an answer's 👍/👎 button arrives
/// as a signed form whose <c>payload</c> field is a <c>block_actions</c> JSON; the vote is recorded and acknowledged with
/// an empty 200, as Slack asks within 3 seconds, then thanked for in a message only the voter sees.
/// </summary>
internal sealed partial class SlackInteractivityEndpoint(
    SlackSignatureVerifier verifier,
    FeedbackRecorder feedback,
    SlackApiClient api,
    IHostApplicationLifetime lifetime,
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
            return BadRequest(context, $"The payload field is not a valid interaction payload: {JsonErrors.Describe(ex)}.");
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

        // A click on a button changes nothing Slack shows, so the voter is told it counted. After the acknowledgement,
        // since the Web API may make us wait out a rate limit; through chat.postEphemeral at the configured API address,
        // never the payload's response_url, which whoever signs the request could point anywhere.
        var thanks = new ChatPostEphemeralRequest(channel, user, ThanksText(vote.Vote), interaction.Message.ThreadTs);
        context.Response.OnCompleted(() => ThankAsync(thanks));
        return Results.Ok();
    }

    /// <summary>What the voter reads; a repeated click reads it again, its vote replaced rather than added.</summary>
    internal static string ThanksText(Vote vote) =>
        $"Thanks for the feedback: your {(vote == Vote.Down ? "👎" : "👍")} is recorded. Click the other button to change it.";

    private async Task ThankAsync(ChatPostEphemeralRequest thanks)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            await api.PostEphemeralAsync(thanks, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down: a courtesy message is not worth delaying the stop for.
        }
        catch (Exception ex)
        {
            // The vote is stored and acknowledged; only the thanks is missing.
            LogThanksNotSent(logger, thanks.Channel, ex);
        }
    }

    private static IResult BadRequest(HttpContext context, string detail) =>
        SlackSignedRequest.Refuse(context, StatusCodes.Status400BadRequest, "Malformed Slack interaction", detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignoring Slack interaction of type {Type}")]
    private static partial void LogIgnored(ILogger logger, string? type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The thanks for a Slack vote in {Channel} could not be posted; the vote is stored")]
    private static partial void LogThanksNotSent(ILogger logger, string channel, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A Slack vote in conversation {ConversationId} could not be saved")]
    private static partial void LogNotSaved(ILogger logger, string conversationId, Exception exception);
}
