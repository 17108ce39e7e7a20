using System.Net;
using System.Text.Json.Nodes;
using QaBot.Channels.BotFramework.Tests.Infrastructure;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>Whatever arrives at /api/messages gets a 4xx with a reason or a 200 no-op, never a 500 or a reply elsewhere.</summary>
public sealed class BadInputTests(EmulatorModeFixture fixture) : IClassFixture<EmulatorModeFixture>
{
    private readonly FakeChannel _channel = fixture.Channel;
    private readonly InProcessServer _server = fixture.Server;

    [Theory]
    [InlineData("{\"type\": \"message\", ", "not a JSON activity")]
    [InlineData("[1, 2, 3]", "not a JSON activity")]
    [InlineData("null", "no 'type'")]
    [InlineData("{\"text\": \"hi\"}", "no 'type'")]
    [InlineData("{\"type\": \"message\", \"serviceUrl\": \"http://127.0.0.1:1\"}", "no 'conversation.id'")]
    [InlineData("{\"type\": \"message\", \"conversation\": {\"id\": \"c\"}}", "no 'serviceUrl'")]
    [InlineData("{\"type\": \"message\", \"conversation\": {\"id\": \"c\"}, \"serviceUrl\": \"not a url\"}", "absolute http(s) URL")]
    [InlineData("{\"type\": \"message\", \"attachments\": {}}", "a value of the wrong JSON type at $.attachments")]
    [InlineData("{\"type\": \"message\", \"text\": 5}", "a value of the wrong JSON type at $.text")]
    [InlineData("{\"type\": \"message\", \"entities\": [null]}", "'entities' holds a null item")]
    [InlineData("{\"type\": \"conversationUpdate\", \"membersAdded\": [null]}", "'membersAdded' holds a null item")]
    [InlineData("{\"type\": \"message\", \"conversation\": {\"id\": \"%2000\"}}", "'conversation.id' is longer than 1024 characters")]
    public async Task MalformedOrIncompleteActivity_Gets400WithTheReason(string body, string reason)
    {
        using var response = await _server.Http.PostRawAsync(_server.MessagesUrl, body.Replace("%2000", new string('c', 2000), StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (string?)(await ProblemAsync(response))["detail"];
        Assert.Contains(reason, detail);
        Assert.DoesNotContain("System.", detail, StringComparison.Ordinal); // the client's terms, not the serializer's types
    }

    [Fact]
    public async Task OversizedBody_Gets413()
    {
        var message = Activities.Message(_channel.ServiceUrl, Activities.NewConversationId(), new string('x', 70_000));
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, message);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("65536 bytes", (string?)(await ProblemAsync(response))["detail"]);
    }

    [Fact]
    public async Task ChunkedOversizedBody_Gets413()
    {
        var body = Activities.Message(_channel.ServiceUrl, Activities.NewConversationId(), new string('x', 70_000)).ToJsonString();
        using var content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.MessagesUrl) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("someFutureType")]
    [InlineData("typing")]
    [InlineData("endOfConversation")]
    public async Task UnknownOrUnhandledType_Is200NoOp(string type)
    {
        var conversation = Activities.NewConversationId();
        var activity = Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?");
        activity["type"] = type;
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, activity);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // A message posted afterwards in the same conversation is answered first: nothing was queued for the no-op.
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?"))).Dispose();
        var received = await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"));
        Assert.Equal(["typing", "message"], received.Select(r => r.Type));
    }

    [Theory]
    [InlineData("http://example.com")]
    [InlineData("https://smba.trafficmanager.net/amer/")]
    [InlineData("http://localhost.example.com:3978")]
    [InlineData("http://10.0.0.8:3978")]
    public async Task NonLoopbackServiceUrl_WithoutAppId_IsRejected(string serviceUrl)
    {
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(serviceUrl, Activities.NewConversationId(), "hi"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a loopback address", (string?)(await ProblemAsync(response))["detail"]);
    }

    [Fact]
    public async Task Get_IsNotAllowed()
    {
        using var response = await _server.Http.GetAsync(_server.MessagesUrl);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task UnknownInvoke_Gets501AsTheSdkAnswersIt()
    {
        var invoke = Activities.Message(_channel.ServiceUrl, Activities.NewConversationId(), "");
        invoke["type"] = "invoke";
        invoke["name"] = "adaptiveCard/action";
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, invoke);

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
    }

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }
}
