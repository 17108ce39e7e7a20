using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using QaBot.Channels.BotFramework;
using QaBot.Channels.DirectLine.Tests.Infrastructure;

namespace QaBot.Channels.DirectLine.Tests;

/// <summary>The Direct Line 3.0 REST and WebSocket surface over real HTTP: tokens, conversations, errors, CORS, the page.</summary>
public sealed class DirectLineApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Question = "How much have Honda sales dropped?";
    private DirectLineServer Server => fixture.Server;

    [Fact]
    public async Task Page_token_is_a_signed_JWT_bound_to_a_new_conversation_and_user()
    {
        var (first, token) = await Server.PageTokenAsync();
        var (second, _) = await Server.PageTokenAsync();

        var claims = Jwt.Payload(token);
        Assert.NotEqual(first, second);
        Assert.Equal(first, (string)claims["conv"]!);
        Assert.StartsWith("dl_", (string)claims["user"]!); // Web Chat takes the user id from this claim.
        Assert.Equal(30 * 60, (long)claims["exp"]! - (long)claims["iat"]!);
    }

    [Fact]
    public async Task Token_generation_needs_the_secret_and_keeps_the_given_user()
    {
        using var anonymous = await Server.SendAsync(HttpMethod.Post, "v3/directline/tokens/generate", bearer: null);
        await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized, "Direct Line secret required");
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);

        using var wrong = await Server.SendAsync(HttpMethod.Post, "v3/directline/tokens/generate", DirectLineServer.Secret + "x");
        await AssertProblemAsync(wrong, HttpStatusCode.Unauthorized, "Direct Line secret required");

        using var generated = await Server.SendAsync(HttpMethod.Post, "v3/directline/tokens/generate", DirectLineServer.Secret, """{"user":{"id":"dl_alice"}}""");
        var body = await ReadAsync(generated, HttpStatusCode.OK);
        Assert.Equal("dl_alice", (string)Jwt.Payload((string)body["token"]!)["user"]!);
        Assert.InRange((int)body["expires_in"]!, 1790, 1800);

        // A user that would be dropped or empty is refused rather than replaced by a random one without a word.
        using var blank = await Server.SendAsync(HttpMethod.Post, "v3/directline/tokens/generate", DirectLineServer.Secret, """{"user":{"id":"  "}}""");
        await AssertProblemAsync(blank, HttpStatusCode.BadRequest, "Invalid user id");
        using var request = new HttpRequestMessage(HttpMethod.Post, "v3/directline/tokens/generate")
        {
            Content = new StringContent("""{"user":{"id":"dl_alice"}}""", System.Text.Encoding.UTF8, "text/plain"),
        };
        request.Headers.Authorization = new("Bearer", DirectLineServer.Secret);
        using var plain = await Server.Http.SendAsync(request);
        await AssertProblemAsync(plain, HttpStatusCode.UnsupportedMediaType, "JSON required");
    }

    [Fact]
    public async Task Starting_with_a_token_creates_the_conversation_once_and_greets_the_user()
    {
        var (conversationId, token) = await Server.PageTokenAsync();

        using var created = await Server.SendAsync(HttpMethod.Post, "v3/directline/conversations", token);
        var body = await ReadAsync(created, HttpStatusCode.Created);
        Assert.Equal(conversationId, (string)body["conversationId"]!);
        Assert.Equal(token, (string)body["token"]!);
        Assert.StartsWith($"ws://{Server.BaseUrl.Authority}/v3/directline/conversations/{conversationId}/stream?t=", (string)body["streamUrl"]!);

        using var again = await Server.SendAsync(HttpMethod.Post, "v3/directline/conversations", token);
        await ReadAsync(again, HttpStatusCode.OK);

        var activities = await Server.WaitForActivitiesAsync(conversationId, token, a => a.Count > 0);
        var welcome = Assert.Single(activities)!;
        Assert.Equal("bot", (string)welcome["from"]!["role"]!);
        Assert.Equal($"{conversationId}|0000001", (string)welcome["id"]!);
    }

    [Fact]
    public async Task Starting_with_the_secret_issues_a_token_for_a_new_conversation()
    {
        using var started = await Server.SendAsync(HttpMethod.Post, "v3/directline/conversations", DirectLineServer.Secret, """{"user":{"id":"dl_bob"}}""");
        var body = await ReadAsync(started, HttpStatusCode.Created);
        var claims = Jwt.Payload((string)body["token"]!);
        Assert.Equal((string)body["conversationId"]!, (string)claims["conv"]!);
        Assert.Equal("dl_bob", (string)claims["user"]!);
    }

    [Fact]
    public async Task Posted_activities_are_echoed_with_a_server_id_and_answered_through_the_bot()
    {
        var (conversationId, token) = await Server.StartConversationAsync();
        using var posted = await Server.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{conversationId}/activities", token,
            $$$"""{"type":"message","text":"{{{Question}}}","from":{"id":"someone-else","name":"Ann"},"channelData":{"clientActivityID":"c-1"}}""");
        var id = (string)(await ReadAsync(posted, HttpStatusCode.OK))["id"]!;

        var activities = await Server.WaitForActivitiesAsync(conversationId, token,
            a => a.Any(x => (string?)x!["type"] == "message" && (string?)x["replyToId"] == id));
        var echo = activities.Single(x => (string?)x!["id"] == id)!;
        Assert.Equal("c-1", (string)echo["channelData"]!["clientActivityID"]!);
        Assert.Equal((string)Jwt.Payload(token)["user"]!, (string)echo["from"]!["id"]!); // The token, not the body, says who posts.
        Assert.Equal("Ann", (string)echo["from"]!["name"]!);
        Assert.Contains(activities, x => (string?)x!["type"] == "typing" && (string?)x["replyToId"] == id);
        var answer = activities.Last(x => (string?)x!["replyToId"] == id)!;
        Assert.Contains("24.2%", (string)answer["text"]!);
        Assert.NotNull(answer["entities"]?.AsArray().SingleOrDefault(e => (string?)e!["type"] == "https://schema.org/Message")?["citation"]);
    }

    [Fact]
    public async Task Calls_without_a_valid_token_are_refused_with_a_reason()
    {
        var (conversationId, token) = await Server.StartConversationAsync();
        var activities = $"v3/directline/conversations/{conversationId}/activities";

        using var missing = await Server.SendAsync(HttpMethod.Get, activities, bearer: null);
        await AssertProblemAsync(missing, HttpStatusCode.Unauthorized, "Token required");

        using var garbage = await Server.SendAsync(HttpMethod.Get, activities, "not-a-token");
        await AssertProblemAsync(garbage, HttpStatusCode.Forbidden, "Invalid token");

        using var tampered = await Server.SendAsync(HttpMethod.Post, activities, Jwt.Tampered(token), """{"type":"message","text":"hi"}""");
        await AssertProblemAsync(tampered, HttpStatusCode.Forbidden, "Invalid token");

        using var refresh = await Server.SendAsync(HttpMethod.Post, "v3/directline/tokens/refresh", Jwt.Tampered(token));
        await AssertProblemAsync(refresh, HttpStatusCode.Forbidden, "Invalid token");
    }

    [Fact]
    public async Task A_token_cannot_read_or_post_to_another_conversation()
    {
        var (conversationA, tokenA) = await Server.StartConversationAsync();
        var (conversationB, tokenB) = await Server.StartConversationAsync();

        using var read = await Server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationB}/activities", tokenA);
        await AssertProblemAsync(read, HttpStatusCode.Forbidden, "Token not valid for this conversation");
        using var post = await Server.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{conversationB}/activities", tokenA, """{"type":"message","text":"hi"}""");
        await AssertProblemAsync(post, HttpStatusCode.Forbidden, "Token not valid for this conversation");
        using var reconnect = await Server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationB}", tokenA);
        await AssertProblemAsync(reconnect, HttpStatusCode.Forbidden, "Token not valid for this conversation");

        // A's own stream URL cannot be pointed at B either; a conversation token is no stream token.
        using var mine = await Server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationA}", tokenA);
        var streamUrl = (string)(await ReadAsync(mine, HttpStatusCode.OK))["streamUrl"]!;
        Assert.Equal(HttpStatusCode.Forbidden, await WebSocketStatusAsync(streamUrl.Replace(conversationA, conversationB)));
        Assert.Equal(HttpStatusCode.Forbidden, await WebSocketStatusAsync($"{streamUrl[..streamUrl.IndexOf("?t=", StringComparison.Ordinal)]}?t={tokenB}"));
    }

    [Fact]
    public async Task The_stream_replays_after_its_watermark_then_pushes_new_activities_as_activity_sets()
    {
        var (conversationId, token) = await Server.StartConversationAsync();
        await Server.WaitForActivitiesAsync(conversationId, token, a => a.Count == 1); // the welcome
        using var reconnect = await Server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}?watermark=1", token);
        var streamUrl = (string)(await ReadAsync(reconnect, HttpStatusCode.OK))["streamUrl"]!;

        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(new Uri(streamUrl), timeout.Token);
        using var posted = await Server.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{conversationId}/activities", token,
            $$$"""{"type":"message","text":"{{{Question}}}","channelData":{"clientActivityID":"c-2"}}""");
        var id = (string)(await ReadAsync(posted, HttpStatusCode.OK))["id"]!;

        var received = new List<JsonNode>();
        var watermarks = new List<string>();
        while (!received.Any(a => (string?)a["type"] == "message" && (string?)a["replyToId"] == id))
        {
            var frame = await ReceiveFrameAsync(socket, timeout.Token);
            if (frame.Length == 0) continue; // keep-alive
            var set = JsonNode.Parse(frame)!.AsObject();
            received.AddRange(set["activities"]!.AsArray().Select(a => a!));
            watermarks.Add((string)set["watermark"]!);
        }

        Assert.Equal([$"{conversationId}|0000002", $"{conversationId}|0000003", $"{conversationId}|0000004"], received.Select(a => (string)a["id"]!));
        Assert.Equal("4", watermarks[^1]);
        Assert.Equal("c-2", (string)received[0]["channelData"]!["clientActivityID"]!);
    }

    [Fact]
    public async Task A_refreshed_token_opens_the_same_conversation()
    {
        var (conversationId, token) = await Server.StartConversationAsync();
        using var refreshed = await Server.SendAsync(HttpMethod.Post, "v3/directline/tokens/refresh", token);
        var body = await ReadAsync(refreshed, HttpStatusCode.OK);
        Assert.Equal(conversationId, (string)body["conversationId"]!);
        Assert.Equal(Jwt.Payload(token)["user"]!.ToString(), Jwt.Payload((string)body["token"]!)["user"]!.ToString());

        using var read = await Server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities", (string)body["token"]!);
        await ReadAsync(read, HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("{not json", HttpStatusCode.BadRequest, "Invalid activity")]
    [InlineData("""{"text":"no type"}""", HttpStatusCode.BadRequest, "Invalid activity")]
    [InlineData("""{"type":"conversationUpdate"}""", HttpStatusCode.BadRequest, "Invalid activity")]
    public async Task Bad_activities_are_refused_with_a_reason(string body, HttpStatusCode status, string title)
    {
        var (conversationId, token) = await Server.StartConversationAsync();
        using var response = await Server.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{conversationId}/activities", token, body);
        await AssertProblemAsync(response, status, title);
    }

    [Fact]
    public async Task An_activity_nested_too_deep_to_be_served_back_is_refused_and_one_that_fits_is_served()
    {
        var (conversationId, token) = await Server.StartConversationAsync();
        static string Nested(int depth) =>
            $$"""{"type":"message","text":"hello","channelData":{{string.Concat(Enumerable.Repeat("{\"a\":", depth))}}1{{new string('}', depth)}}}""";

        using var tooDeep = await Server.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{conversationId}/activities", token, Nested(BotJson.MaxInboundDepth + 4));
        await AssertProblemAsync(tooDeep, HttpStatusCode.BadRequest, "Invalid activity");

        // The feed wraps each activity in two more levels; what was accepted must still be served.
        using var fits = await Server.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{conversationId}/activities", token, Nested(BotJson.MaxInboundDepth - 2));
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        var activities = await Server.WaitForActivitiesAsync(conversationId, token, a => a.Any(x => x?["channelData"]?["a"] is not null));
        Assert.Single(activities, a => a?["channelData"]?["a"] is not null);
    }

    [Fact]
    public async Task Oversized_activities_bad_watermarks_and_unstarted_conversations_are_refused()
    {
        var (conversationId, token) = await Server.StartConversationAsync();
        var huge = $$"""{"type":"message","text":"{{new string('a', 70 * 1024)}}"}""";
        using var oversized = await Server.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{conversationId}/activities", token, huge);
        await AssertProblemAsync(oversized, HttpStatusCode.RequestEntityTooLarge, "Activity too large");

        using var watermark = await Server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities?watermark=abc", token);
        await AssertProblemAsync(watermark, HttpStatusCode.BadRequest, "Invalid watermark");

        var (notStarted, notStartedToken) = await Server.PageTokenAsync();
        using var missing = await Server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{notStarted}/activities", notStartedToken);
        await AssertProblemAsync(missing, HttpStatusCode.NotFound, "Conversation not found"); // directlinejs reads 404 as "ended"
    }

    [Fact]
    public async Task Only_allow_listed_origins_may_call_from_a_browser()
    {
        Assert.Equal(ServerFixture.AllowedOrigin, await PreflightAsync("webchat/token", ServerFixture.AllowedOrigin));
        Assert.Equal(ServerFixture.AllowedOrigin, await PreflightAsync("v3/directline/conversations", ServerFixture.AllowedOrigin));
        Assert.Null(await PreflightAsync("webchat/token", "https://elsewhere.example"));
        Assert.Null(await PreflightAsync("v3/directline/conversations", "https://elsewhere.example"));
    }

    [Fact]
    public async Task The_page_and_the_Web_Chat_bundle_are_served_by_the_bot_itself()
    {
        using var page = await Server.Http.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("""<script src="webchat/webchat.js"></script>""", html);
        Assert.DoesNotContain("://", html.Split("<script")[1..].Aggregate("", (all, tag) => all + tag[..tag.IndexOf('>')])); // no CDN

        using var bundle = await Server.Http.GetAsync("webchat/webchat.js");
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.Equal("text/javascript", bundle.Content.Headers.ContentType!.MediaType);
        Assert.True(bundle.Content.Headers.ContentLength > 1_000_000);
        Assert.NotNull(bundle.Headers.ETag);

        using var missing = await Server.Http.GetAsync("webchat/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private async Task<string?> PreflightAsync(string path, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,x-ms-bot-agent");
        using var response = await Server.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"preflight of {path} answered {response.StatusCode}");
        return response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;
    }

    private static async Task<HttpStatusCode> WebSocketStatusAsync(string url)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(url), CancellationToken.None));
        return socket.HttpStatusCode;
    }

    private static async Task<string> ReceiveFrameAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, cancellationToken);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return Encoding.UTF8.GetString(message.ToArray());
    }

    private static async Task<JsonObject> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {expected}, got {response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal(title, (string)problem["title"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), "a problem says why");
    }
}
