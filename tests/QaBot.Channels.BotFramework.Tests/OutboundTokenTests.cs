using System.Net;
using QaBot.Channels.BotFramework.Tests.Infrastructure;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>A bot on a user-assigned managed identity: no password, the token comes from the managed identity endpoint.</summary>
public sealed class ManagedIdentityTests : IAsyncLifetime
{
    private FakeChannel _channel = null!;
    private BotServer _server = null!;

    public async Task InitializeAsync()
    {
        _channel = await FakeChannel.StartAsync();
        _server = await BotServer.StartAsync(new Dictionary<string, string?>
        {
            ["QaBot:Bot:MicrosoftAppId"] = AzureBotFixture.AppId,
            ["QaBot:Bot:MicrosoftAppType"] = "UserAssignedMSI",
            ["QaBot:Bot:OpenIdMetadataUrl"] = _channel.OpenIdMetadataUrl.ToString(),
            ["QaBot:Bot:ManagedIdentityEndpoint"] = _channel.ManagedIdentityEndpoint.ToString(),
            ["QaBot:Bot:RequireHttpsMetadata"] = "false",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _channel.DisposeAsync();
    }

    [Fact]
    public async Task Replies_CarryTheManagedIdentityToken()
    {
        var conversation = Activities.NewConversationId();
        var activity = Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?");
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, activity, _channel.MintToken(AzureBotFixture.AppId, _channel.ServiceUrl));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var replies = await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"));
        Assert.All(replies, r => Assert.Equal($"Bearer {FakeChannel.IssuedBotToken}", r.Authorization));
        var request = Assert.Single(_channel.TokenRequests);
        Assert.Equal("https://api.botframework.com", request["resource"]);
        Assert.Equal(AzureBotFixture.AppId, request["client_id"]);
    }
}

public sealed class TokenEndpointTests
{
    [Theory]
    [InlineData(MicrosoftAppType.MultiTenant, null, "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token")]
    [InlineData(MicrosoftAppType.SingleTenant, "contoso.onmicrosoft.com", "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token")]
    public void DefaultEndpoint_FollowsTheAppType(MicrosoftAppType type, string? tenant, string expected) =>
        Assert.Equal(expected, BotTokenProvider.TokenEndpoint(new BotOptions { MicrosoftAppType = type, MicrosoftAppTenantId = tenant }).ToString());
}
