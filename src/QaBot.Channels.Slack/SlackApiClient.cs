using System.Net.Http.Json;
using Microsoft.Extensions.Logging;

namespace QaBot.Channels.Slack;

/// <summary>A Web API call that Slack answered with <c>ok:false</c> (or an HTTP error after the retries).</summary>
internal sealed class SlackApiException(string method, string error)
    : Exception($"Slack {method} failed: {error}")
{
    public string Method { get; } = method;

    public string Error { get; } = error;
}

/// <summary>
/// The Web API methods QaBot needs. Retries on 429 (after Retry-After), 5xx and network failures live in the named
/// HttpClient's resilience pipeline; this class turns Slack's <c>ok:false</c> answers into logged exceptions.
/// </summary>
internal sealed partial class SlackApiClient(IHttpClientFactory httpClients, ILogger<SlackApiClient> logger)
{
    public const string HttpClientName = "Slack";

    public Task<SlackApiResponse> AuthTestAsync(CancellationToken cancellationToken) =>
        CallAsync("auth.test", content: null, cancellationToken);

    /// <summary>Posts a message; returns its <c>ts</c>.</summary>
    public async Task<string?> PostMessageAsync(ChatPostMessageRequest message, CancellationToken cancellationToken) =>
        (await CallAsync("chat.postMessage", JsonContent.Create(message, SlackJsonContext.Default.ChatPostMessageRequest), cancellationToken)).Ts;

    /// <summary>Posts a message only one user sees (Slack does not keep it).</summary>
    public Task PostEphemeralAsync(ChatPostEphemeralRequest message, CancellationToken cancellationToken) =>
        CallAsync("chat.postEphemeral", JsonContent.Create(message, SlackJsonContext.Default.ChatPostEphemeralRequest), cancellationToken);

    private static readonly System.Diagnostics.ActivitySource ActivitySource = new("QaBot.Channels.Slack");

    private async Task<SlackApiResponse> CallAsync(string method, HttpContent? content, CancellationToken cancellationToken)
    {
        using var span = ActivitySource.StartActivity("channel send");
        span?.SetTag("qabot.slack.method", method);
        using var request = new HttpRequestMessage(HttpMethod.Post, method) { Content = content };
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            LogHttpError(logger, method, (int)response.StatusCode);
            throw new SlackApiException(method, $"http_{(int)response.StatusCode}");
        }

        var result = await response.Content.ReadFromJsonAsync(SlackJsonContext.Default.SlackApiResponse, cancellationToken)
            ?? throw new SlackApiException(method, "empty_response");
        if (result.Ok) return result;

        var error = result.Error ?? "unknown_error";
        if (error is "invalid_auth" or "not_authed" or "account_inactive" or "token_revoked" or "token_expired")
            LogAuthError(logger, method, error, SlackOptions.Section);
        else
            LogApiError(logger, method, error);
        throw new SlackApiException(method, error);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Slack {Method} was refused with {Error}: check the bot token in {Section}:BotToken")]
    private static partial void LogAuthError(ILogger logger, string method, string error, string section);

    [LoggerMessage(Level = LogLevel.Error, Message = "Slack {Method} failed with {Error}")]
    private static partial void LogApiError(ILogger logger, string method, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Slack {Method} failed with HTTP {Status} after retries")]
    private static partial void LogHttpError(ILogger logger, string method, int status);
}
