using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace QaBot.Channels.BotFramework;

/// <summary>
/// Sends replies through the Bot Connector REST API of the inbound activity's serviceUrl:
/// <c>POST {serviceUrl}/v3/conversations/{conversationId}/activities/{replyToId}</c> (or <c>…/activities</c> when there
/// is nothing to reply to), with the bot's token when an app id is configured.
/// </summary>
public sealed class ConnectorActivitySender(IHttpClientFactory httpClients, BotTokenProvider tokens) : IActivitySender
{
    public async Task<string> SendAsync(Activity inbound, Activity reply, CancellationToken cancellationToken)
    {
        using var span = BotTelemetry.ActivitySource.StartActivity("channel send");
        span?.SetTag("qabot.activity.type", reply.Type);
        var serviceUrl = inbound.ServiceUrl ?? throw new InvalidOperationException("The inbound activity has no serviceUrl to reply to.");
        var conversationId = reply.Conversation?.Id ?? inbound.Conversation?.Id ?? throw new InvalidOperationException("The inbound activity has no conversation id.");
        // Teams ids contain ':', '@' and ';', so every path segment is escaped.
        var path = $"{ConnectorBase(serviceUrl)}/v3/conversations/{Uri.EscapeDataString(conversationId)}/activities";
        if (reply.ReplyToId is { Length: > 0 } replyToId) path += "/" + Uri.EscapeDataString(replyToId);

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(reply, options: BotJson.Options) };
        // The caller only hands over activities whose serviceUrl was authenticated (or is loopback in Emulator mode),
        // so the token never goes to a host the Bot Connector did not name.
        if (await tokens.GetTokenAsync(cancellationToken) is { } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await httpClients.CreateClient(BotFrameworkChannelExtensions.ConnectorHttpClient).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException(
                $"The Bot Connector at {serviceUrl} answered {(int)response.StatusCode} to a {reply.Type} activity: {await response.Content.ReadAsStringAsync(cancellationToken)}",
                null, response.StatusCode);
        return await ReadIdAsync(response, cancellationToken);
    }

    /// <summary>
    /// The serviceUrl's scheme, host, port and path only: a query or fragment in it would otherwise swallow the
    /// appended path (<c>…?q=</c> made the bot POST to <c>/custom/path?q=/v3/…</c>) and user info is never sent on.
    /// </summary>
    internal static string ConnectorBase(string serviceUrl)
    {
        var url = new Uri(serviceUrl, UriKind.Absolute);
        return $"{url.Scheme}://{url.Authority}{url.AbsolutePath.TrimEnd('/')}";
    }

    /// <summary>The ResourceResponse id; some channels (the Emulator for typing, Teams for some activities) answer with no body.</summary>
    private static async Task<string> ReadIdAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(body)) return "";
        try
        {
            return JsonSerializer.Deserialize<ResourceResponse>(body, BotJson.Options)?.Id ?? "";
        }
        catch (JsonException)
        {
            return "";
        }
    }
}
