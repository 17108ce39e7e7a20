using System.Net;
using QaBot.Channels.BotFramework.Tests.Infrastructure;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>The caller names the serviceUrl, but not what the bot does with it: no query, no fragment, no redirects.</summary>
public sealed class ServiceUrlTests(EmulatorModeFixture fixture) : IClassFixture<EmulatorModeFixture>
{
    private readonly FakeChannel _channel = fixture.Channel;
    private readonly InProcessServer _server = fixture.Server;

    [Theory]
    [InlineData("/region?q=")]
    [InlineData("/region/?q=x&r=/elsewhere")]
    [InlineData("/region#")]
    [InlineData("/region#/elsewhere")]
    public async Task Replies_go_to_the_serviceUrl_path_without_its_query_or_fragment(string suffix)
    {
        var conversation = Activities.NewConversationId();
        var message = Activities.Message(_channel.ServiceUrl + suffix, conversation, "How much have Honda sales dropped?", id: "m1");
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, message);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var received = await _channel.WaitForConversationAsync(conversation, r => r.Count >= 2);
        Assert.All(received, r => Assert.Equal($"/region/v3/conversations/{conversation}/activities/m1", r.Target));
    }

    [Fact]
    public async Task A_redirect_from_the_serviceUrl_is_not_followed()
    {
        var conversation = Activities.NewConversationId();
        var redirects = _channel.Redirects;
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl + "/redirect", conversation, "hi", id: "m1"))).Dispose();
        // A conversation's activities are handled in order: once the second is answered, the first is done with.
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?", id: "m2"))).Dispose();

        var received = await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"));
        Assert.True(_channel.Redirects > redirects, "the redirecting serviceUrl was never called");
        Assert.All(received, r => Assert.Equal("m2", r.ReplyToId));
    }
}
