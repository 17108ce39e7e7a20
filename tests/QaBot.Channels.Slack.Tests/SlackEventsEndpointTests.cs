using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace QaBot.Channels.Slack.Tests;

[Collection(SlackServerCollection.Name)]
public sealed class SlackEventsEndpointTests(SlackServerFixture server)
{
    private const string HondaQuestion = "How much did Honda's sales drop in China?";

    private async Task<HttpResponseMessage> PostAsync(string body, string secret = SlackServerFixture.SigningSecret, DateTimeOffset? at = null, int? retryNum = null) =>
        await server.Http.SendAsync(SlackRequests.Signed(server.EventsUrl, body, secret, at, retryNum));

    private async Task AcceptedAsync(string body, int? retryNum = null)
    {
        var clock = Stopwatch.StartNew();
        using var response = await PostAsync(body, retryNum: retryNum);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Slack gives up after 3 s; the answer comes later, in the background.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"Acknowledged after {clock.Elapsed}");
    }

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task Url_verification_echoes_the_challenge()
    {
        using var response = await PostAsync("""{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_wrong_secret_is_401_with_a_reason()
    {
        using var response = await PostAsync("""{"type":"url_verification","challenge":"c"}""", secret: "not-the-secret");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("signature does not match", (string?)(await ProblemAsync(response))["detail"]);
        Assert.Equal("1", Assert.Single(response.Headers.GetValues("X-Slack-No-Retry")));
    }

    [Fact]
    public async Task A_tampered_body_is_401()
    {
        var request = SlackRequests.Signed(server.EventsUrl, """{"type":"url_verification","challenge":"c"}""");
        request.Content = new StringContent("""{"type":"url_verification","challenge":"d"}""", Encoding.UTF8, "application/json");
        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Unsigned_requests_are_401()
    {
        using var response = await server.Http.PostAsync(server.EventsUrl, new StringContent("""{"type":"url_verification","challenge":"c"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("X-Slack-Signature", (string?)(await ProblemAsync(response))["detail"]);
    }

    [Fact]
    public async Task A_replayed_request_older_than_five_minutes_is_401()
    {
        using var response = await PostAsync("""{"type":"url_verification","challenge":"c"}""", at: DateTimeOffset.UtcNow.AddMinutes(-6));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("5 minutes", (string?)(await ProblemAsync(response))["detail"]);
    }

    [Fact]
    public async Task Malformed_json_with_a_valid_signature_is_400_with_a_reason()
    {
        using var response = await PostAsync("""{"type":"event_callback","event":""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a valid Slack event payload", (string?)(await ProblemAsync(response))["detail"]);
        Assert.Equal("1", Assert.Single(response.Headers.GetValues("X-Slack-No-Retry")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_oversized_body_is_413_whether_or_not_it_announces_its_length(bool chunked)
    {
        var body = $$"""{"type":"event_callback","padding":"{{new string('x', 70 * 1024)}}"}""";
        using var request = SlackRequests.Signed(server.EventsUrl, body);
        request.Headers.TransferEncodingChunked = chunked;
        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("65536 bytes", (string?)(await ProblemAsync(response))["detail"]);
        Assert.Equal("1", Assert.Single(response.Headers.GetValues("X-Slack-No-Retry")));
    }

    [Theory]
    [InlineData("""{"type":"app_rate_limited","team_id":"T0TEST","minute_rate_limited":1518467820}""")]
    [InlineData("""{"type":"event_callback","event_id":"EvUNKNOWN1","event":{"type":"reaction_added","user":"UALICE","item":{"type":"message","channel":"C1","ts":"1.2"}}}""")]
    public async Task Unknown_payloads_are_acknowledged_and_ignored(string body)
    {
        using var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_mention_is_answered_in_its_thread_with_mrkdwn_citations()
    {
        var channel = SlackRequests.NewChannel();
        await AcceptedAsync(SlackRequests.Callback(SlackRequests.Mention(channel, "1700000100.000100", HondaQuestion)));

        var reply = Assert.Single(await server.Slack.WaitForMessagesAsync(channel));
        Assert.Equal("1700000100.000100", reply.Field("thread_ts"));
        Assert.Equal("application/json; charset=utf-8", reply.ContentType);
        Assert.Equal($"Bearer {FakeSlackApi.Token}", reply.Authorization);
        Assert.Equal("false", reply.Field("unfurl_links"));

        var text = reply.Field("text")!;
        Assert.Contains("24.2%", text);
        Assert.Contains("[1]", text);
        Assert.Contains("*Sources*", text);

        var blocks = reply.Fields["blocks"]!.AsArray();
        var section = blocks.Single(b => (string?)b!["type"] == "section")!;
        Assert.Equal("mrkdwn", (string?)section["text"]!["type"]);
        Assert.Contains("24.2%", (string?)section["text"]!["text"]);
        Assert.Contains("[1]", (string?)section["text"]!["text"]);
        var sources = (string?)blocks.First(b => (string?)b!["type"] == "context")!["elements"]![0]!["text"];
        // The article has a URL: the title links to it.
        Assert.Matches(@"^\*Sources\*\n\[1\] <https://www\.toutiao\.com/article/1837622667907080/\|[^>]+>", sources);
    }

    [Fact]
    public async Task An_article_without_a_URL_is_shown_by_its_path_in_the_corpus_folder()
    {
        // Not bin/Release/…/seeds/…: the path is relative to the corpus folder, wherever the server runs from.
        var channel = SlackRequests.NewChannel();
        await AcceptedAsync(SlackRequests.Callback(SlackRequests.Mention(channel, "1700000150.000100", "Why is Nissan cutting production?")));

        var reply = Assert.Single(await server.Slack.WaitForMessagesAsync(channel));
        Assert.Matches(@"\[1\] \*Nissan[^*]+\* \(seeds/000_9ec63df35f7e173c\.txt, 14 Feb 2025\)", reply.Field("text"));
    }

    [Fact]
    public async Task A_mention_inside_a_thread_is_answered_in_that_thread()
    {
        var channel = SlackRequests.NewChannel();
        await AcceptedAsync(SlackRequests.Callback(SlackRequests.Mention(channel, "1700000200.000300", HondaQuestion, threadTs: "1700000200.000100")));

        Assert.Equal("1700000200.000100", Assert.Single(await server.Slack.WaitForMessagesAsync(channel)).Field("thread_ts"));
    }

    [Fact]
    public async Task A_follow_up_in_the_same_thread_uses_the_thread_as_memory()
    {
        var channel = SlackRequests.NewChannel();
        const string thread = "1700000300.000100";
        await AcceptedAsync(SlackRequests.Callback(SlackRequests.Mention(channel, thread, "How much have Honda sales dropped?")));
        await server.Slack.WaitForMessagesAsync(channel);
        // Alone, "why?" has nothing to look up; with the thread's memory it asks why Honda's sales dropped.
        await AcceptedAsync(SlackRequests.Callback(SlackRequests.Mention(channel, "1700000300.000200", "why?", threadTs: thread)));

        var followUp = (await server.Slack.WaitForMessagesAsync(channel, 2))[1];
        Assert.Equal(thread, followUp.Field("thread_ts"));
        Assert.DoesNotContain("couldn't find", followUp.Field("text"), StringComparison.Ordinal);
        // Cited from the Honda article, shown by its URL as in every channel.
        Assert.Contains("https://www.toutiao.com/article/1837622667907080/", followUp.Field("text"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_direct_message_is_answered()
    {
        var channel = SlackRequests.NewChannel('D');
        await AcceptedAsync(SlackRequests.Callback(SlackRequests.DirectMessage(channel, "1700000400.000100", HondaQuestion)));

        var reply = Assert.Single(await server.Slack.WaitForMessagesAsync(channel));
        Assert.Equal("1700000400.000100", reply.Field("thread_ts"));
        Assert.Contains("24.2%", reply.Field("text"));
    }

    [Fact]
    public async Task A_redelivered_event_is_answered_once()
    {
        var channel = SlackRequests.NewChannel();
        var body = SlackRequests.Callback(SlackRequests.Mention(channel, "1700000500.000100", HondaQuestion));
        await AcceptedAsync(body);
        await AcceptedAsync(body, retryNum: 1);
        await AcceptedAsync(body, retryNum: 2);

        await AnswerSentinelAsync(channel);
        Assert.Equal(2, server.Slack.Posts(channel).Count);
    }

    [Fact]
    public async Task Bots_edits_and_plain_channel_messages_get_no_answer()
    {
        var channel = SlackRequests.NewChannel('D');
        JsonObject FromBot(string? user, string? botId, string? subtype)
        {
            var e = SlackRequests.DirectMessage(channel, "1700000600.000100", HondaQuestion, user: user);
            if (botId is not null) e["bot_id"] = botId;
            if (subtype is not null) e["subtype"] = subtype;
            return e;
        }

        // Our own message, another bot's, a bot_message, an edit, and a non-DM channel message without a mention.
        await AcceptedAsync(SlackRequests.Callback(FromBot(FakeSlackApi.BotUserId, null, null)));
        await AcceptedAsync(SlackRequests.Callback(FromBot("UOTHERBOT", "BOTHERBOT", null)));
        await AcceptedAsync(SlackRequests.Callback(FromBot(null, FakeSlackApi.BotId, "bot_message")));
        await AcceptedAsync(SlackRequests.Callback(FromBot("UALICE", null, "message_changed")));
        var channelMessage = SlackRequests.DirectMessage(channel, "1700000600.000200", HondaQuestion);
        channelMessage["channel_type"] = "channel";
        await AcceptedAsync(SlackRequests.Callback(channelMessage));

        await AnswerSentinelAsync(channel);
        Assert.Single(server.Slack.Posts(channel));
    }

    [Fact]
    public async Task A_429_is_retried_after_Retry_After_and_delivered_once()
    {
        var channel = SlackRequests.NewChannel();
        server.Slack.RateLimit(channel);
        await AcceptedAsync(SlackRequests.Callback(SlackRequests.Mention(channel, "1700000700.000100", HondaQuestion)));

        var delivered = Assert.Single(await server.Slack.WaitForMessagesAsync(channel));
        var attempts = server.Slack.Posts(channel);
        Assert.Equal([429, 200], attempts.Select(a => a.Status));
        Assert.True(attempts[1].At - attempts[0].At >= TimeSpan.FromSeconds(0.9), $"Retried after {attempts[1].At - attempts[0].At}");
        Assert.Equal(attempts[0].Field("text"), delivered.Field("text"));
    }

    [Fact]
    public async Task A_Slack_error_is_logged_and_the_bot_keeps_answering()
    {
        await AcceptedAsync(SlackRequests.Callback(SlackRequests.Mention(FakeSlackApi.UnknownChannel, "1700000800.000100", HondaQuestion)));

        await AnswerSentinelAsync(SlackRequests.NewChannel());
        Assert.Contains(server.Logs.GetSnapshot(), r => r.Message == "Slack chat.postMessage failed with channel_not_found");
    }

    /// <summary>
    /// Asks one more question and waits for its answer, then until no turn is left: every event accepted before has been
    /// handled, so "no reply" is a fact, not a guess about timing (tests of a collection run one at a time).
    /// </summary>
    private async Task AnswerSentinelAsync(string channel)
    {
        const string sentinel = "1700009999.000100";
        await AcceptedAsync(SlackRequests.Callback(SlackRequests.Mention(channel, sentinel, HondaQuestion)));
        await server.Slack.WaitForMessagesAsync(channel, threadTs: sentinel);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (server.Turns.Queued > 0) await Task.Delay(20, timeout.Token);
    }
}
