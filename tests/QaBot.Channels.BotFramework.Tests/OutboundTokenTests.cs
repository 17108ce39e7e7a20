using System.Net;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Channels.BotFramework.Tests.Infrastructure;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>
/// A bot on a user-assigned managed identity: no password, the token comes from the managed identity endpoint that the
/// platform names in the environment (here App Service's IDENTITY_ENDPOINT and IDENTITY_HEADER, read by Azure.Identity).
/// </summary>
public sealed class ManagedIdentityTests : IAsyncLifetime
{
    private FakeChannel _channel = null!;
    private InProcessServer _server = null!;

    public async Task InitializeAsync()
    {
        _channel = await FakeChannel.StartAsync();
        Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", _channel.ManagedIdentityEndpoint.ToString());
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", FakeChannel.IdentityHeader);
        _server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["QaBot:Bot:MicrosoftAppId"] = AzureBotFixture.AppId,
            ["QaBot:Bot:MicrosoftAppType"] = "UserAssignedMSI",
            ["QaBot:Bot:OpenIdMetadataUrl"] = _channel.OpenIdMetadataUrl.ToString(),
            ["QaBot:Bot:RequireHttpsMetadata"] = "false",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _channel.DisposeAsync();
        Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", null);
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", null);
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

/// <summary>A bot signing in with a federated token (workload identity) instead of a secret.</summary>
public sealed class FederatedCredentialTests
{
    [Fact]
    public async Task The_token_file_is_sent_as_the_client_assertion()
    {
        await using var channel = await FakeChannel.StartAsync();
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "federated-token-from-the-platform");
            var services = new ServiceCollection();
            channel.ServeSignIn(services);
            await using var provider = services.BuildServiceProvider();
            var http = provider.GetRequiredService<IHttpClientFactory>()
                .CreateClient(BotFrameworkChannelExtensions.TokenHttpClient);
            var credential = BotTokenProvider.Credential(new BotOptions
            {
                MicrosoftAppId = AzureBotFixture.AppId,
                MicrosoftAppType = MicrosoftAppType.SingleTenant,
                MicrosoftAppTenantId = "contoso.onmicrosoft.com",
                FederatedTokenFile = file,
                AuthorityHost = new Uri(FakeChannel.AuthorityHost),
            }, http)!;

            var token = await credential.GetTokenAsync(new TokenRequestContext([BotTokenProvider.Scope]), CancellationToken.None);

            Assert.Equal(FakeChannel.IssuedBotToken, token.Token);
            var request = Assert.Single(channel.TokenRequests);
            Assert.Equal("contoso.onmicrosoft.com", request["tenant"]);
            Assert.Equal("federated-token-from-the-platform", request["client_assertion"]);
            Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", request["client_assertion_type"]);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
