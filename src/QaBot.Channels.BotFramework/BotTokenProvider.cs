using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace QaBot.Channels.BotFramework;

/// <summary>
/// The bot's own bearer token for the Bot Connector (scope https://api.botframework.com/.default): client credentials
/// against botframework.com or the bot's tenant, or the managed identity endpoint. Cached until five minutes before it
/// expires, as the Emulator and the SDKs do. No app id, no token (local Emulator mode).
/// </summary>
public sealed partial class BotTokenProvider(
    IHttpClientFactory httpClients,
    IOptions<BotOptions> options,
    TimeProvider time,
    ILogger<BotTokenProvider> logger) : IDisposable
{
    public const string Scope = "https://api.botframework.com/.default";
    private const string Resource = "https://api.botframework.com";
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, DateTimeOffset RefreshAt)? _cached;

    /// <summary>The token to send, or null when no app id is configured.</summary>
    public async Task<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.IsAnonymous) return null;
        if (_cached is { } hit && time.GetUtcNow() < hit.RefreshAt) return hit.Token;

        // One request refreshes the token for everybody waiting.
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } fresh && time.GetUtcNow() < fresh.RefreshAt) return fresh.Token;
            var response = await RequestAsync(o, cancellationToken);
            var lifetime = TimeSpan.FromSeconds(Math.Max(response.ExpiresIn, 0));
            _cached = (response.AccessToken, time.GetUtcNow() + (lifetime > 2 * RefreshMargin ? lifetime - RefreshMargin : lifetime / 2));
            LogTokenAcquired(logger, o.MicrosoftAppType, lifetime.TotalMinutes);
            return response.AccessToken;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>The client-credentials endpoint: configured, else botframework.com (multi-tenant) or the bot's tenant.</summary>
    public static Uri TokenEndpoint(BotOptions o) => o.TokenEndpoint ?? new Uri(
        $"https://login.microsoftonline.com/{(o.MicrosoftAppType == MicrosoftAppType.SingleTenant ? o.MicrosoftAppTenantId : "botframework.com")}/oauth2/v2.0/token");

    private async Task<TokenResponse> RequestAsync(BotOptions o, CancellationToken cancellationToken)
    {
        var http = httpClients.CreateClient(BotFrameworkChannelExtensions.TokenHttpClient);
        using var request = o.MicrosoftAppType == MicrosoftAppType.UserAssignedMSI
            ? new HttpRequestMessage(HttpMethod.Get,
                $"{o.ManagedIdentityEndpoint}?api-version=2018-02-01&resource={Uri.EscapeDataString(Resource)}&client_id={Uri.EscapeDataString(o.MicrosoftAppId!)}")
            {
                Headers = { { "Metadata", "true" } },
            }
            : new HttpRequestMessage(HttpMethod.Post, TokenEndpoint(o))
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = o.MicrosoftAppId!,
                    ["client_secret"] = o.MicrosoftAppPassword!,
                    ["scope"] = Scope,
                }),
            };
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"The token endpoint {request.RequestUri?.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}",
                null, response.StatusCode);
        var token = await response.Content.ReadFromJsonAsync<TokenResponse>(BotJson.Options, cancellationToken);
        return token is { AccessToken.Length: > 0 } ? token : throw new HttpRequestException("The token endpoint returned no access_token.");
    }

    /// <summary>OAuth token response; managed identity endpoints send expires_in as a string, which the web JSON options accept.</summary>
    private sealed record TokenResponse(
        [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
        [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] long ExpiresIn);

    [LoggerMessage(Level = LogLevel.Information, Message = "Acquired a Bot Connector token ({AppType}), valid for {Minutes:F0} min")]
    private static partial void LogTokenAcquired(ILogger logger, MicrosoftAppType appType, double minutes);
}
