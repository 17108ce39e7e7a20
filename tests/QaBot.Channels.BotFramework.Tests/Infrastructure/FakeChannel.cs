using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace QaBot.Channels.BotFramework.Tests.Infrastructure;

/// <summary>An activity the bot POSTed to the fake Connector.</summary>
/// <param name="AssignedId">The id this fake Connector gave the activity (returned to the bot).</param>
public sealed record ReceivedActivity(string ConversationId, string? ReplyToId, string? Authorization, JsonObject Activity, string AssignedId)
{
    public string? Type => (string?)Activity["type"];

    public string? Text => (string?)Activity["text"];

    /// <summary>The path the bot POSTed to, with its query string if it sent one.</summary>
    public string Target { get; init; } = "";
}

/// <summary>
/// What the Bot Framework Emulator / Bot Connector and Entra ID are to the bot, on a random loopback port: the Connector's
/// reply routes (recording every activity), a token issuer (OpenID metadata and a JWKS with endorsements, signed with a
/// local RSA key) and a client-credentials token endpoint.
/// </summary>
public sealed class FakeChannel : IAsyncDisposable
{
    public const string IssuedBotToken = "bot-token-from-fake-endpoint";

    private readonly WebApplication _app;
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RSA _otherRsa = RSA.Create(2048);
    private readonly ConcurrentQueue<ReceivedActivity> _received = new();
    private readonly ConcurrentQueue<Dictionary<string, string>> _tokenRequests = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private int _ids;
    private int _redirects;

    public const string KeyId = "test-key";
    public const string UnpublishedKeyId = "unpublished-key";

    private FakeChannel(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The serviceUrl the bot replies to (no trailing slash, as channels send it).</summary>
    public string ServiceUrl => BaseUrl.ToString().TrimEnd('/');

    public Uri OpenIdMetadataUrl => new(BaseUrl, "openid");

    public Uri EmulatorOpenIdMetadataUrl => new(BaseUrl, "emulator-openid");

    /// <summary>
    /// The Entra authority the bot is configured with. Azure.Identity signs in over https only, so <see cref="ServeSignIn"/>
    /// routes the bot's token requests for it to this channel's plain-HTTP token endpoint.
    /// </summary>
    public const string AuthorityHost = "https://login.entra.test/";

    /// <summary>Stands in for a managed identity endpoint (IDENTITY_ENDPOINT, as App Service sets it).</summary>
    public Uri ManagedIdentityEndpoint => new(BaseUrl, "msi/token");

    /// <summary>The X-IDENTITY-HEADER secret the managed identity endpoint requires (IDENTITY_HEADER).</summary>
    public const string IdentityHeader = "test-identity-header";

    /// <summary>Sends the bot's token requests (its token HttpClient) to this channel instead of <see cref="AuthorityHost"/>.</summary>
    public void ServeSignIn(IServiceCollection services) =>
        services.AddHttpClient(BotFrameworkChannelExtensions.TokenHttpClient).AddHttpMessageHandler(() => new ToChannel(BaseUrl));

    private sealed class ToChannel(Uri channel) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.GetLeftPart(UriPartial.Authority) + "/" == AuthorityHost) request.RequestUri = new Uri(channel, request.RequestUri.PathAndQuery);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Channels the signing key is endorsed for.</summary>
    public IReadOnlyList<string> Endorsements { get; init; } = ["emulator", "msteams", "webchat", "directline", "test"];

    /// <summary>How long the channel takes to take each reply, as a slow Bot Connector does.</summary>
    public TimeSpan ReplyDelay { get; set; }

    public IReadOnlyCollection<ReceivedActivity> Received => _received.ToArray();

    /// <summary>Requests answered with a redirect (see the /redirect route).</summary>
    public int Redirects => Volatile.Read(ref _redirects);

    public IReadOnlyCollection<Dictionary<string, string>> TokenRequests => _tokenRequests.ToArray();

    public static async Task<FakeChannel> StartAsync(IReadOnlyList<string>? endorsements = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var channel = endorsements is null ? new FakeChannel(app) : new FakeChannel(app) { Endorsements = endorsements };
        channel.Map(app);
        await app.StartAsync();
        channel.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        return channel;
    }

    private void Map(WebApplication app)
    {
        async Task<IResult> Receive(string conversationId, string? activityId, HttpRequest request)
        {
            var activity = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            await Task.Delay(ReplyDelay);
            var id = $"reply-{Interlocked.Increment(ref _ids)}";
            _received.Enqueue(new ReceivedActivity(conversationId, activityId, request.Headers.Authorization.FirstOrDefault(), activity, id)
            {
                Target = request.Path + request.QueryString,
            });
            _arrived.Release();
            return Results.Ok(new { id });
        }
        app.MapPost("/v3/conversations/{conversationId}/activities/{activityId?}", Receive);
        // A serviceUrl with a path of its own, as some channels have (…/amer/, …/emea/).
        app.MapPost("/region/v3/conversations/{conversationId}/activities/{activityId?}", Receive);
        // A serviceUrl that redirects its replies elsewhere: the bot must not follow.
        app.MapPost("/redirect/v3/conversations/{conversationId}/activities/{activityId?}", (string conversationId, string? activityId) =>
        {
            Interlocked.Increment(ref _redirects);
            return Results.Redirect($"/v3/conversations/{conversationId}/activities/{activityId}", permanent: false, preserveMethod: true);
        });
        app.MapGet("/openid", () => Results.Json(new { issuer = "https://api.botframework.com", jwks_uri = new Uri(BaseUrl, "keys").ToString() }));
        app.MapGet("/emulator-openid", () => Results.Json(new { issuer = "https://login.microsoftonline.com/{tenantid}/v2.0", jwks_uri = new Uri(BaseUrl, "keys").ToString() }));
        app.MapGet("/keys", () => Results.Json(new { keys = new[] { Jwk(_rsa, KeyId, Endorsements) } }));
        app.MapPost("/{tenant}/oauth2/v2.0/token", async (string tenant, HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            _tokenRequests.Enqueue(form.ToDictionary(f => f.Key, f => f.Value.ToString()).Append(new("tenant", tenant)).ToDictionary());
            return Results.Json(new { token_type = "Bearer", expires_in = 3600, access_token = IssuedBotToken });
        });
        // An Azure OpenAI chat deployment whose answers cite no passage, so QaBot falls back with a notice.
        app.MapPost("/openai/deployments/{deployment}/chat/completions", () => Results.Json(new
        {
            id = "chatcmpl-1",
            @object = "chat.completion",
            created = 1_700_000_000,
            model = "gpt-4o",
            choices = new[] { new { index = 0, message = new { role = "assistant", content = "Sales fell sharply." }, finish_reason = "stop" } },
            usage = new { prompt_tokens = 10, completion_tokens = 4, total_tokens = 14 },
        }));
        app.MapGet("/msi/token", (HttpRequest request) =>
        {
            _tokenRequests.Enqueue(request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()));
            // App Service's endpoint refuses requests without its secret header, and sends expires_on as a string.
            var expiresOn = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            return request.Headers["X-IDENTITY-HEADER"] == IdentityHeader
                ? Results.Json(new { token_type = "Bearer", expires_on = expiresOn, resource = request.Query["resource"].ToString(), access_token = IssuedBotToken })
                : Results.BadRequest();
        });
    }

    private static object Jwk(RSA rsa, string kid, IReadOnlyList<string> endorsements)
    {
        var p = rsa.ExportParameters(false);
        return new { kty = "RSA", use = "sig", kid, n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent), endorsements };
    }

    /// <summary>The issuer's private signing key, for independent clients that mint their own tokens.</summary>
    public string SigningKeyPem() => _rsa.ExportPkcs8PrivateKeyPem();

    /// <summary>A token as the Bot Connector signs it; every argument can be spoiled for the negative cases.</summary>
    public string MintToken(string audience, string? serviceUrl = null, string issuer = "https://api.botframework.com",
        DateTime? expires = null, bool unpublishedKey = false, IDictionary<string, object>? claims = null)
    {
        var key = unpublishedKey ? new RsaSecurityKey(_otherRsa) { KeyId = UnpublishedKeyId } : new RsaSecurityKey(_rsa) { KeyId = KeyId };
        var exp = expires ?? DateTime.UtcNow.AddMinutes(30);
        var payload = new Dictionary<string, object>(claims ?? new Dictionary<string, object>());
        if (serviceUrl is not null) payload["serviceurl"] = serviceUrl;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            NotBefore = exp.AddHours(-1),
            IssuedAt = exp.AddHours(-1),
            Expires = exp,
            Claims = payload,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>Waits until the received activities satisfy <paramref name="condition"/>; fails with what did arrive.</summary>
    public async Task<IReadOnlyList<ReceivedActivity>> WaitForAsync(Func<IReadOnlyList<ReceivedActivity>, bool> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var snapshot = _received.ToArray();
            if (condition(snapshot)) return snapshot;
            try
            {
                await _arrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("The expected activities did not arrive. Received:\n" +
                    string.Join("\n", snapshot.Select(a => a.Activity.ToJsonString())));
            }
        }
    }

    /// <summary>Waits for the activities of one conversation, in arrival order, to satisfy <paramref name="condition"/>.</summary>
    public async Task<IReadOnlyList<ReceivedActivity>> WaitForConversationAsync(string conversationId, Func<IReadOnlyList<ReceivedActivity>, bool> condition)
    {
        var all = await WaitForAsync(received => condition(Of(received, conversationId)));
        return Of(all, conversationId);
    }

    private static List<ReceivedActivity> Of(IEnumerable<ReceivedActivity> received, string conversationId) =>
        [.. received.Where(a => a.ConversationId == conversationId)];

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _rsa.Dispose();
        _otherRsa.Dispose();
        _arrived.Dispose();
    }
}
