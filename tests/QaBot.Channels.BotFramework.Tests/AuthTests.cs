using System.Net;
using QaBot.Channels.BotFramework.Tests.Infrastructure;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>The server with an app id, a local token issuer standing in for login.botframework.com, and a fake token endpoint.</summary>
public sealed class AzureBotFixture : IAsyncLifetime
{
    public const string AppId = "6f1c8e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

    public FakeChannel Channel { get; private set; } = null!;

    public InProcessServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Channel = await FakeChannel.StartAsync();
        Server = await InProcessServer.StartAsync(Settings(Channel.OpenIdMetadataUrl, Channel.EmulatorOpenIdMetadataUrl), Channel.ServeSignIn);
    }

    /// <summary>An Azure bot's settings, its OpenID metadata served at the given loopback addresses.</summary>
    public static Dictionary<string, string?> Settings(Uri openIdMetadata, Uri emulatorOpenIdMetadata) => new()
    {
        ["QaBot:Bot:MicrosoftAppId"] = AppId,
        ["QaBot:Bot:MicrosoftAppPassword"] = "test-secret",
        ["QaBot:Bot:OpenIdMetadataUrl"] = openIdMetadata.ToString(),
        ["QaBot:Bot:EmulatorOpenIdMetadataUrl"] = emulatorOpenIdMetadata.ToString(),
        ["QaBot:Bot:AuthorityHost"] = FakeChannel.AuthorityHost,
        ["QaBot:Bot:RequireHttpsMetadata"] = "false",
    };

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Channel.DisposeAsync();
    }
}

/// <summary>Inbound Bot Connector JWT validation (401 unless every check passes) and the bot's outbound token.</summary>
public sealed class AuthTests(AzureBotFixture fixture) : IClassFixture<AzureBotFixture>
{
    private const string EmulatorIssuer = "https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0";
    private readonly FakeChannel _channel = fixture.Channel;
    private readonly InProcessServer _server = fixture.Server;

    public enum Spoiled { NoToken, NotAJwt, ThreeGarbageParts, WrongAudience, WrongIssuer, Expired, ServiceUrlMismatch, NoServiceUrlClaim, UnpublishedKey, ChannelNotEndorsed, EmulatorTokenForAnotherApp }

    [Theory]
    [InlineData(Spoiled.NoToken, "bearer token is required")]
    [InlineData(Spoiled.NotAJwt, "not a JWT")]
    [InlineData(Spoiled.ThreeGarbageParts, "not a JWT")]
    [InlineData(Spoiled.WrongAudience, "audience")]
    [InlineData(Spoiled.WrongIssuer, "issuer")]
    [InlineData(Spoiled.Expired, "expired")]
    [InlineData(Spoiled.ServiceUrlMismatch, "serviceurl")]
    [InlineData(Spoiled.NoServiceUrlClaim, "serviceurl")]
    [InlineData(Spoiled.UnpublishedKey, "signature")]
    [InlineData(Spoiled.ChannelNotEndorsed, "not endorsed")]
    [InlineData(Spoiled.EmulatorTokenForAnotherApp, "azp")]
    public async Task InvalidToken_Gets401WithTheReason_AndNoReply(Spoiled spoiled, string reason)
    {
        var conversation = Activities.NewConversationId();
        var activity = Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?",
            channelId: spoiled == Spoiled.ChannelNotEndorsed ? "slack" : "emulator");
        var token = spoiled switch
        {
            Spoiled.NoToken => null,
            Spoiled.NotAJwt => "opaque-token",
            Spoiled.ThreeGarbageParts => "garbage.token.value",
            Spoiled.WrongAudience => _channel.MintToken("11111111-2222-3333-4444-555555555555", _channel.ServiceUrl),
            Spoiled.WrongIssuer => _channel.MintToken(AzureBotFixture.AppId, _channel.ServiceUrl, issuer: "https://evil.example.com"),
            Spoiled.Expired => _channel.MintToken(AzureBotFixture.AppId, _channel.ServiceUrl, expires: DateTime.UtcNow.AddMinutes(-6)),
            Spoiled.ServiceUrlMismatch => _channel.MintToken(AzureBotFixture.AppId, "https://smba.trafficmanager.net/amer/"),
            Spoiled.NoServiceUrlClaim => _channel.MintToken(AzureBotFixture.AppId),
            Spoiled.UnpublishedKey => _channel.MintToken(AzureBotFixture.AppId, _channel.ServiceUrl, unpublishedKey: true),
            Spoiled.ChannelNotEndorsed => _channel.MintToken(AzureBotFixture.AppId, _channel.ServiceUrl),
            Spoiled.EmulatorTokenForAnotherApp => _channel.MintToken(AzureBotFixture.AppId, issuer: EmulatorIssuer,
                claims: new Dictionary<string, object> { ["ver"] = "2.0", ["azp"] = "11111111-2222-3333-4444-555555555555" }),
            _ => throw new ArgumentOutOfRangeException(nameof(spoiled)),
        };

        using var response = await _server.Http.PostAsync(_server.MessagesUrl, activity, token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        // A conversation that was never accepted gets nothing; a later valid message in it is the first thing answered.
        await PostValidAndAssertAnsweredAsync(conversation);
        Assert.Equal(2, _channel.Received.Count(r => r.ConversationId == conversation));
    }

    [Fact]
    public async Task ValidChannelToken_IsAccepted_AndRepliesCarryTheBotsOwnToken()
    {
        var conversation = Activities.NewConversationId();
        var replies = await PostValidAndAssertAnsweredAsync(conversation);

        Assert.All(replies, r => Assert.Equal($"Bearer {FakeChannel.IssuedBotToken}", r.Authorization));
        var tokenRequest = _channel.TokenRequests.First();
        Assert.Equal("client_credentials", tokenRequest["grant_type"]);
        Assert.Equal(AzureBotFixture.AppId, tokenRequest["client_id"]);
        Assert.Equal("test-secret", tokenRequest["client_secret"]);
        Assert.Equal("https://api.botframework.com/.default", tokenRequest["scope"]);
        Assert.Equal("botframework.com", tokenRequest["tenant"]);
    }

    [Fact]
    public async Task BotToken_IsCachedAcrossReplies()
    {
        await PostValidAndAssertAnsweredAsync(Activities.NewConversationId());
        await PostValidAndAssertAnsweredAsync(Activities.NewConversationId());

        Assert.Single(_channel.TokenRequests);
    }

    [Fact]
    public async Task TokenExpiredWithinTheFiveMinuteSkew_IsAccepted()
    {
        var activity = Activities.Message(_channel.ServiceUrl, Activities.NewConversationId(), "hi");
        var token = _channel.MintToken(AzureBotFixture.AppId, _channel.ServiceUrl, expires: DateTime.UtcNow.AddMinutes(-2));

        using var response = await _server.Http.PostAsync(_server.MessagesUrl, activity, token);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("2.0", "azp")]
    [InlineData("1.0", "appid")]
    public async Task EmulatorToken_ForThisApp_IsAccepted(string version, string appIdClaim)
    {
        var activity = Activities.Message(_channel.ServiceUrl, Activities.NewConversationId(), "hi");
        var token = _channel.MintToken(AzureBotFixture.AppId, issuer: version == "2.0" ? EmulatorIssuer : "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/",
            claims: new Dictionary<string, object> { ["ver"] = version, [appIdClaim] = AzureBotFixture.AppId });

        using var response = await _server.Http.PostAsync(_server.MessagesUrl, activity, token);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task WithAppId_MalformedBodyWithAToken_Gets400()
    {
        var token = _channel.MintToken(AzureBotFixture.AppId, _channel.ServiceUrl);
        using var response = await _server.Http.PostRawAsync(_server.MessagesUrl, "{\"type\":", token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<IReadOnlyList<ReceivedActivity>> PostValidAndAssertAnsweredAsync(string conversation)
    {
        var activity = Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?");
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, activity, _channel.MintToken(AzureBotFixture.AppId, _channel.ServiceUrl));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var replies = await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"));
        Assert.Contains("24.2%", replies.Single(r => r.Type == "message").Text);
        return replies;
    }
}

/// <summary>The server with an app id whose OpenID metadata hosts accept connections and never answer.</summary>
public sealed class UnreachableMetadataFixture : IAsyncLifetime
{
    public SilentServer Metadata { get; } = new();

    public FakeChannel Channel { get; private set; } = null!;

    public InProcessServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Channel = await FakeChannel.StartAsync();
        Server = await InProcessServer.StartAsync(AzureBotFixture.Settings(new Uri(Metadata.Url, "openid"), new Uri(Metadata.Url, "emulator-openid")), Channel.ServeSignIn);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Channel.DisposeAsync();
        Metadata.Dispose();
    }
}

/// <summary>When the signing keys cannot be fetched, tokens are refused quickly with 401, never 500, never a hang.</summary>
public sealed class UnreachableMetadataTests(UnreachableMetadataFixture fixture) : IClassFixture<UnreachableMetadataFixture>
{
    [Fact]
    public async Task Fifty_concurrent_jwt_shaped_tokens_all_get_401_within_two_seconds()
    {
        var channel = fixture.Channel;
        var requests = Enumerable.Range(0, 50)
            .Select(_ => (Activity: Activities.Message(channel.ServiceUrl, Activities.NewConversationId(), "How much have Honda sales dropped?"),
                Token: channel.MintToken(AzureBotFixture.AppId, channel.ServiceUrl)))
            .ToList();

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var responses = await Task.WhenAll(requests.Select(async r =>
        {
            using var response = await fixture.Server.Http.PostAsync(fixture.Server.MessagesUrl, r.Activity, r.Token);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));
        stopwatch.Stop();

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.All(responses, r => Assert.Contains("signing keys are unavailable", r.Body, StringComparison.Ordinal));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.ElapsedMilliseconds} ms");
        Assert.Empty(channel.Received);
    }
}
