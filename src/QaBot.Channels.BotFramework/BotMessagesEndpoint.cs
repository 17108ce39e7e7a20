using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Text;
using QaBot.Turns;

namespace QaBot.Channels.BotFramework;

/// <summary>
/// <c>POST /api/messages</c>: reads and checks the activity, authenticates it, then answers invokes in the HTTP response
/// and queues everything else on the <see cref="TurnRunner"/>, answering 202 at once.
/// </summary>
internal static partial class BotMessagesEndpoint
{
    private static readonly HashSet<string> QueuedTypes = new(StringComparer.Ordinal)
    {
        ActivityTypes.Message, ActivityTypes.ConversationUpdate, ActivityTypes.Event, ActivityTypes.MessageReaction,
    };

    private const int MaxConversationIdChars = 1024;

    public static async Task<IResult> HandleAsync(
        HttpContext context,
        BotAuthenticator authenticator,
        TurnRunner turns,
        BotActivityHandler handler,
        ConnectorActivitySender sender,
        IOptions<BotOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var o = options.Value;
        var logger = loggers.CreateLogger(typeof(BotMessagesEndpoint).FullName!);
        var request = context.Request;
        // Without an app id every caller is anonymous; with one, nobody is, and we say so before reading anything.
        if (!o.IsAnonymous && string.IsNullOrEmpty(request.Headers.Authorization))
            return Reject(logger, StatusCodes.Status401Unauthorized, "A Bot Connector bearer token is required (Authorization: Bearer …).");

        Activity? activity;
        try
        {
            activity = await JsonSerializer.DeserializeAsync<Activity>(request.Body, BotJson.Inbound, cancellationToken);
        }
        catch (JsonException ex)
        {
            return Reject(logger, StatusCodes.Status400BadRequest, $"The body is not a JSON activity: {JsonErrors.Describe(ex)}.");
        }
        catch (BadHttpRequestException ex)
        {
            // 413 is the endpoint's limit (MapBotFrameworkChannel), which the server enforces even on a chunked body; a
            // malformed chunk or a body sent too slowly carries its own 400 or 408.
            return Reject(logger, ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? $"The activity is larger than {o.MaxRequestBytes} bytes." : ex.Message);
        }
        if (activity is null || string.IsNullOrWhiteSpace(activity.Type))
            return Reject(logger, StatusCodes.Status400BadRequest, "The activity has no 'type'.");
        if (activity.NullItemProblem() is { } problem)
            return Reject(logger, StatusCodes.Status400BadRequest, problem);

        if (await authenticator.AuthenticateAsync(request.Headers.Authorization, activity, cancellationToken) is { } authFailure)
            return Reject(logger, StatusCodes.Status401Unauthorized, authFailure);

        var invoke = activity.Type == ActivityTypes.Invoke;
        if (!invoke && !QueuedTypes.Contains(activity.Type))
            return Results.Ok(); // Unknown and unhandled types are acknowledged and ignored (activity spec A2014).
        if (string.IsNullOrWhiteSpace(activity.Conversation?.Id))
            return Reject(logger, StatusCodes.Status400BadRequest, "The activity has no 'conversation.id'.");
        // Channels' ids are far shorter; a longer one would only make every reply URL fail (and fill the log).
        if (activity.Conversation.Id.Length > MaxConversationIdChars)
            return Reject(logger, StatusCodes.Status400BadRequest, $"'conversation.id' is longer than {MaxConversationIdChars} characters.");
        if (CheckServiceUrl(activity.ServiceUrl, required: !invoke, o.IsAnonymous) is { } serviceUrlProblem)
            return Reject(logger, StatusCodes.Status400BadRequest, serviceUrlProblem);

        if (invoke)
        {
            var response = await handler.HandleAsync(activity, sender, cancellationToken) ?? new InvokeResponse(StatusCodes.Status501NotImplemented);
            return response.Body is { } json ? Results.Json(json, BotJson.Options, statusCode: response.Status) : Results.StatusCode(response.Status);
        }

        switch (turns.TryEnqueue($"{activity.ChannelId}:{activity.Conversation.Id}", ct => handler.HandleAsync(activity, sender, ct)))
        {
            case TurnAdmission.ConversationFull:
                context.Response.Headers.RetryAfter = "5";
                return Reject(logger, StatusCodes.Status429TooManyRequests, "This conversation has too many activities waiting for the bot; retry shortly.");
            case TurnAdmission.Full:
                context.Response.Headers.RetryAfter = "5";
                return Reject(logger, StatusCodes.Status503ServiceUnavailable, "The bot is busy; retry shortly.");
            case TurnAdmission.Stopping:
                context.Response.Headers.RetryAfter = "5";
                return Reject(logger, StatusCodes.Status503ServiceUnavailable, "The bot is restarting; retry shortly.");
            default:
                return Results.Accepted();
        }
    }

    /// <summary>
    /// Replies go to the activity's serviceUrl. Without an app id nothing vouches for that URL, so only this machine
    /// (the Emulator) may be named: otherwise anyone could make the bot POST to any host.
    /// </summary>
    private static string? CheckServiceUrl(string? serviceUrl, bool required, bool anonymous)
    {
        if (string.IsNullOrWhiteSpace(serviceUrl)) return required ? "The activity has no 'serviceUrl' to reply to." : null;
        if (!Uri.TryCreate(serviceUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            return $"'serviceUrl' must be an absolute http(s) URL, not '{serviceUrl}'.";
        return anonymous && !url.IsLoopback
            ? $"Without QaBot:Bot:MicrosoftAppId the bot only replies to a local Emulator; serviceUrl '{url.Host}' is not a loopback address."
            : null;
    }

    private static IResult Reject(ILogger logger, int status, string reason)
    {
        LogRejected(logger, status, reason);
        return Results.Problem(statusCode: status, detail: reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected a /api/messages request with {Status}: {Reason}")]
    private static partial void LogRejected(ILogger logger, int status, string reason);
}
