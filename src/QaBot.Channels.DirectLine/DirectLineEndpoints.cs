using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Channels.BotFramework;
using QaBot.Text;
using QaBot.Turns;

namespace QaBot.Channels.DirectLine;

/// <summary>
/// The Direct Line 3.0 REST surface the unmodified botframework-directlinejs client calls (DL3 API reference). Every call
/// carries <c>Authorization: Bearer</c> with the secret or a conversation token; a token opens its own conversation only.
/// Errors are ProblemDetails; 403 means "this token will not do" (directlinejs reads it as ExpiredToken).
/// </summary>
public sealed class DirectLineEndpoints(
    DirectLineTokens tokens,
    IDirectLineConversations conversations,
    DirectLineBot bot,
    IOptions<DirectLineOptions> options,
    TimeProvider time,
    ILogger<DirectLineEndpoints> logger)
{
    private static readonly HashSet<string> AcceptedTypes =
        [ActivityTypes.Message, ActivityTypes.Event, ActivityTypes.Typing, ActivityTypes.MessageReaction];

    private readonly DirectLineOptions _options = options.Value;

    /// <summary>POST /v3/directline/tokens/generate: a back end trades the secret for a token bound to a new conversation.</summary>
    public async Task<IResult> GenerateTokenAsync(HttpContext context)
    {
        if (!tokens.IsSecret(BearerOf(context)))
        {
            return Refuse(context, StatusCodes.Status401Unauthorized, "Direct Line secret required",
                _options.Secret is null
                    ? $"Token generation needs the Direct Line secret, and {DirectLineOptions.Section}:Secret is not configured. The Web Chat page gets its tokens from POST /webchat/token."
                    : "Send the Direct Line secret as 'Authorization: Bearer <secret>'.");
        }

        var (request, error) = await ReadStartRequestAsync(context);
        return error ?? IssueForNewConversation(request?.User?.Id);
    }

    /// <summary>POST /webchat/token: the page's own token endpoint; CORS limits which other sites may call it.</summary>
    public IResult PageToken() => IssueForNewConversation(userId: null);

    /// <summary>POST /v3/directline/tokens/refresh: a fresh token for the same conversation and user, before the old one expires.</summary>
    public async Task<IResult> RefreshTokenAsync(HttpContext context)
    {
        var check = await tokens.ValidateConversationTokenAsync(BearerOf(context));
        if (check.Grant is not { } grant) return Refuse(context, check.Rejection!.Value);
        var token = tokens.IssueConversationToken(grant.ConversationId, grant.UserId, out var expires);
        return Json(new DirectLineConversationInfo(grant.ConversationId, token, ExpiresIn(expires)));
    }

    /// <summary>POST /v3/directline/conversations: starts the token's conversation (201), or a new one with the secret.</summary>
    public async Task<IResult> StartConversationAsync(HttpContext context)
    {
        var bearer = BearerOf(context);
        DirectLineGrant? caller = null;
        string conversationId, userId;
        if (tokens.IsSecret(bearer))
        {
            var (request, error) = await ReadStartRequestAsync(context);
            if (error is not null) return error;
            conversationId = DirectLineConversations.NewConversationId();
            userId = request?.User?.Id ?? DirectLineConversations.NewUserId();
        }
        else
        {
            var check = await tokens.ValidateConversationTokenAsync(bearer);
            if (check.Grant is not { } grant) return Refuse(context, check.Rejection!.Value);
            caller = grant;
            (conversationId, userId) = (grant.ConversationId, grant.UserId);
        }

        var (conversation, created) = await conversations.StartAsync(conversationId, userId);
        if (created)
        {
            DirectLineLog.ConversationStarted(logger, conversationId);
            // The bot greets the user, as when a member joins any Bot Framework conversation (the Emulator does the same).
            bot.TryQueue(conversation, new Activity
            {
                Type = ActivityTypes.ConversationUpdate,
                ChannelId = DirectLineConversations.ChannelId,
                ServiceUrl = ServiceUrl(context),
                From = User(conversation, name: null),
                Recipient = conversations.Bot,
                Conversation = new ConversationAccount { Id = conversationId },
                MembersAdded = [conversations.Bot, User(conversation, name: null)],
            });
        }

        var info = ConversationInfo(context, conversation, caller, bearer, watermark: null);
        return created ? Results.Json(info, BotJson.Options, statusCode: StatusCodes.Status201Created) : Json(info);
    }

    /// <summary>GET /v3/directline/conversations/{id}?watermark=: a new streamUrl that resumes after the watermark (reconnect).</summary>
    public async Task<IResult> ReconnectAsync(HttpContext context, string conversationId, string? watermark)
    {
        var (conversation, caller, error) = await AuthorizeAsync(context, conversationId);
        if (error is not null) return error;
        if (!DirectLineConversation.TryParseWatermark(watermark, out var after) || after > await conversation!.LastSequenceAsync()) return BadWatermark(context, watermark);
        return Json(ConversationInfo(context, conversation!, caller, BearerOf(context), string.IsNullOrEmpty(watermark) ? null : watermark));
    }

    /// <summary>GET /v3/directline/conversations/{id}/activities?watermark=: polling.</summary>
    public async Task<IResult> GetActivitiesAsync(HttpContext context, string conversationId, string? watermark)
    {
        var (conversation, _, error) = await AuthorizeAsync(context, conversationId);
        if (error is not null) return error;
        // A watermark ahead of the feed would hide the activities up to it when they come.
        if (!DirectLineConversation.TryParseWatermark(watermark, out var after) || after > await conversation!.LastSequenceAsync()) return BadWatermark(context, watermark);
        return Json(await conversation.AfterAsync(after));
    }

    /// <summary>
    /// POST /v3/directline/conversations/{id}/activities: the user's activity is echoed into the feed with its server id
    /// (Web Chat marks a message sent only when it sees its clientActivityID come back), then handed to the bot.
    /// </summary>
    public async Task<IResult> PostActivityAsync(HttpContext context, string conversationId)
    {
        var (conversation, _, error) = await AuthorizeAsync(context, conversationId);
        if (error is not null) return error;

        Activity? posted;
        try
        {
            posted = await JsonSerializer.DeserializeAsync<Activity>(context.Request.Body, BotJson.Inbound, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            return Refuse(context, StatusCodes.Status400BadRequest, "Invalid activity", $"The body must be a JSON activity: {JsonErrors.Describe(ex)}.");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The server enforces the endpoint's limit (MapDirectLineChannel), even on a chunked body.
            return Refuse(context, StatusCodes.Status413PayloadTooLarge, "Activity too large", $"An activity may be at most {_options.MaxActivityBytes} bytes.");
        }
        catch (BadHttpRequestException ex)
        {
            return Refuse(context, ex.StatusCode, "Unreadable body", ex.Message);
        }

        if (posted?.Type is not { } type || !AcceptedTypes.Contains(type))
        {
            return Refuse(context, StatusCodes.Status400BadRequest, "Invalid activity",
                $"The activity type must be one of: {string.Join(", ", AcceptedTypes)}.");
        }
        if (posted.NullItemProblem() is { } problem) return Refuse(context, StatusCodes.Status400BadRequest, "Invalid activity", problem);

        var (echoed, admission) = await bot.TryAppendAndQueueAsync(conversation!, posted with
        {
            ChannelId = DirectLineConversations.ChannelId,
            ServiceUrl = ServiceUrl(context),
            From = User(conversation!, posted.From?.Name),
            Recipient = conversations.Bot,
        });
        if (echoed is null)
        {
            context.Response.Headers.RetryAfter = "5";
            return admission switch
            {
                TurnAdmission.ConversationFull => Refuse(context, StatusCodes.Status429TooManyRequests, "Too many activities",
                    "The bot is still working on this conversation's earlier activities; send again in a moment."),
                TurnAdmission.Stopping => Refuse(context, StatusCodes.Status503ServiceUnavailable, "Restarting", "The bot is restarting; send again in a moment."),
                _ => Refuse(context, StatusCodes.Status503ServiceUnavailable, "Busy", "Too many questions are waiting for the bot; send again in a moment."),
            };
        }

        return Json(new ResourceResponse(echoed.Id));
    }

    /// <summary>
    /// Checks the bearer (the secret, or a token of this very conversation) and finds the conversation. The grant is null
    /// for the secret.
    /// </summary>
    public async Task<(IDirectLineConversation? Conversation, DirectLineGrant? Grant, IResult? Error)> AuthorizeAsync(HttpContext context, string conversationId)
    {
        var bearer = BearerOf(context);
        DirectLineGrant? caller = null;
        if (!tokens.IsSecret(bearer))
        {
            var check = await tokens.ValidateConversationTokenAsync(bearer);
            if (check.Grant is not { } grant) return (null, null, Refuse(context, check.Rejection!.Value));
            if (grant.ConversationId != conversationId)
            {
                return (null, null, Refuse(context, StatusCodes.Status403Forbidden, "Token not valid for this conversation",
                    "The token was issued for another conversation."));
            }

            caller = grant;
        }

        return await conversations.FindAsync(conversationId) is { } conversation
            ? (conversation, caller, null)
            : (null, null, Refuse(context, StatusCodes.Status404NotFound, "Conversation not found",
                "The conversation does not exist or has expired; start a new one."));
    }

    /// <summary>The ProblemDetails for a refused token; 401 asks for credentials, 403 says these ones will not do.</summary>
    public IResult Refuse(HttpContext context, TokenRejection rejection) => rejection switch
    {
        TokenRejection.Missing => Refuse(context, StatusCodes.Status401Unauthorized, "Token required",
            "Send 'Authorization: Bearer <token>' with a Direct Line token or the secret; a streamUrl carries its own token (?t=)."),
        TokenRejection.Expired => Refuse(context, StatusCodes.Status403Forbidden, "Token expired",
            "The token has expired; get a new one (refresh tokens before they expire)."),
        _ => Refuse(context, StatusCodes.Status403Forbidden, "Invalid token", "The token is malformed or its signature does not verify."),
    };

    public IResult Refuse(HttpContext context, int status, string title, string detail)
    {
        DirectLineLog.Refused(logger, context.Request.Path, title);
        if (status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(detail: detail, statusCode: status, title: title);
    }

    private IResult IssueForNewConversation(string? userId)
    {
        var conversationId = DirectLineConversations.NewConversationId();
        var token = tokens.IssueConversationToken(conversationId, userId ?? DirectLineConversations.NewUserId(), out var expires);
        return Json(new DirectLineConversationInfo(conversationId, token, ExpiresIn(expires)));
    }

    private DirectLineConversationInfo ConversationInfo(
        HttpContext context, IDirectLineConversation conversation, DirectLineGrant? caller, string? callerToken, string? watermark)
    {
        // Secret holders get a token too, as with Azure; token holders keep theirs (directlinejs refreshes it on its own schedule).
        var (token, expires) = caller is null
            ? (tokens.IssueConversationToken(conversation.Id, conversation.UserId, out var issued), issued)
            : (callerToken!, caller.Expires);
        var streamToken = tokens.IssueStreamToken(conversation.Id, conversation.UserId, watermark);
        var request = context.Request;
        var streamUrl = $"{(request.IsHttps ? "wss" : "ws")}://{request.Host}{request.PathBase}{DirectLineChannelExtensions.ApiPrefix}" +
            $"/conversations/{Uri.EscapeDataString(conversation.Id)}/stream?t={Uri.EscapeDataString(streamToken)}";
        return new DirectLineConversationInfo(conversation.Id, token, ExpiresIn(expires), streamUrl);
    }

    private async Task<(DirectLineStartRequest? Request, IResult? Error)> ReadStartRequestAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength is 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0)) return (null, null);
        // A body that is not JSON (fetch() sends a string as text/plain) would otherwise lose its user id without a word.
        if (!request.HasJsonContentType())
        {
            return (null, Refuse(context, StatusCodes.Status415UnsupportedMediaType, "JSON required", "Send the body as application/json, or send none."));
        }
        try
        {
            var start = await request.ReadFromJsonAsync<DirectLineStartRequest>(BotJson.Inbound, context.RequestAborted);
            if (start?.User?.Id is { } id && (string.IsNullOrWhiteSpace(id) || id.Length > 128 || id.Any(char.IsControl)))
            {
                return (null, Refuse(context, StatusCodes.Status400BadRequest, "Invalid user id", "user.id must be 1 to 128 printable characters, not all blank."));
            }

            return (start, null);
        }
        catch (JsonException ex)
        {
            return (null, Refuse(context, StatusCodes.Status400BadRequest, "Invalid request", $"The body must be JSON such as {{\"user\":{{\"id\":\"dl_…\"}}}}: {JsonErrors.Describe(ex)}."));
        }
        catch (BadHttpRequestException ex)
        {
            return (null, Refuse(context, ex.StatusCode, "Unreadable body", ex.Message));
        }
    }

    private IResult BadWatermark(HttpContext context, string? watermark) =>
        Refuse(context, StatusCodes.Status400BadRequest, "Invalid watermark", $"'{TextCut.Ellipsis(watermark ?? "", 40)}' is not a watermark this endpoint returned.");

    private static ChannelAccount User(IDirectLineConversation conversation, string? name) =>
        new() { Id = conversation.UserId, Name = name, Role = "user" };

    private static string ServiceUrl(HttpContext context) =>
        $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";

    private int ExpiresIn(DateTimeOffset expires) => (int)Math.Max(0, (expires - time.GetUtcNow()).TotalSeconds);

    private static IResult Json<T>(T value) => Results.Json(value, BotJson.Options);

    /// <summary>The bearer credential of the request, or null.</summary>
    public static string? BearerOf(HttpContext context) =>
        context.Request.Headers.Authorization.ToString() is var header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..].Trim() is { Length: > 0 } value ? value : null
            : null;
}
