using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Answering;
using QaBot.Channels.DirectLine.Tests.Infrastructure;
using QaBot.Retrieval;
using QaBot.Turns;

namespace QaBot.Channels.DirectLine.Tests;

/// <summary>Token expiry, idle conversations, bounded history, the page switch and start-up validation, each on its own server.</summary>
public sealed class LifetimeAndLimitsTests
{
    [Fact]
    public async Task An_expired_token_is_refused_and_cannot_be_refreshed()
    {
        var clock = new AdjustableClock();
        await using var server = await DirectLineServer.StartAsync(time: clock);
        var (conversationId, token) = await server.StartConversationAsync();

        clock.Advance(TimeSpan.FromMinutes(29));
        using var stillValid = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities", token);
        Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);

        clock.Advance(TimeSpan.FromMinutes(2));
        using var expired = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities", token);
        await DirectLineApiTests.AssertProblemAsync(expired, HttpStatusCode.Forbidden, "Token expired");
        using var refresh = await server.SendAsync(HttpMethod.Post, "v3/directline/tokens/refresh", token);
        await DirectLineApiTests.AssertProblemAsync(refresh, HttpStatusCode.Forbidden, "Token expired");
    }

    [Fact]
    public async Task A_client_starting_conversations_too_fast_gets_429_with_retry_after()
    {
        await using var server = await DirectLineServer.StartAsync(new Dictionary<string, string?> { ["QaBot:DirectLine:ConversationsPerClientPerMinute"] = "3" });
        await server.PageTokenAsync();
        await server.StartConversationAsync(); // a page token and a start: three conversation starts in all

        using var refused = await server.SendAsync(HttpMethod.Post, "webchat/token", bearer: null);
        await DirectLineApiTests.AssertProblemAsync(refused, HttpStatusCode.TooManyRequests, "Too many requests");
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
        // Talking in an existing conversation is not a conversation start: still allowed.
        using var health = await server.SendAsync(HttpMethod.Get, "healthz", bearer: null);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Idle_conversations_are_forgotten()
    {
        var clock = new AdjustableClock();
        await using var server = await DirectLineServer.StartAsync(new Dictionary<string, string?> { ["QaBot:DirectLine:ConversationIdleTimeout"] = "00:00:04" }, clock);
        var (conversationId, token) = await server.StartConversationAsync();
        var store = server.Services.GetRequiredService<DirectLineConversations>();
        Assert.Equal(1, store.Count);

        clock.Advance(TimeSpan.FromSeconds(5));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (store.Count > 0) await Task.Delay(50, timeout.Token); // the sweeper runs every second

        using var gone = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities", token);
        await DirectLineApiTests.AssertProblemAsync(gone, HttpStatusCode.NotFound, "Conversation not found");
    }

    [SkippableTheory]
    [InlineData("Memory")]
    [InlineData("Redis")]
    public async Task History_is_capped_and_watermarks_stay_valid(string provider)
    {
        await using var redis = provider == "Redis" ? await RedisServer.StartAsync() : null;
        await using var server = await DirectLineServer.StartAsync(new Dictionary<string, string?>
        {
            ["QaBot:DirectLine:MaxActivitiesPerConversation"] = "10",
            ["QaBot:State:Provider"] = provider,
            ["QaBot:State:Redis:Configuration"] = redis?.Configuration,
        });
        var (conversationId, token) = await server.StartConversationAsync();
        for (var i = 0; i < 5; i++)
        {
            using var posted = await server.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{conversationId}/activities", token,
                """{"type":"message","text":"How much have Honda sales dropped?"}""");
            var id = (string)(await posted.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            await server.WaitForActivitiesAsync(conversationId, token, a => a.Any(x => (string?)x!["type"] == "message" && (string?)x["replyToId"] == id));
        }

        // 1 welcome + 5 × (echo, typing, answer) = 16 activities; the 10 newest are kept.
        using var all = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities", token);
        var body = (await all.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(Enumerable.Range(7, 10).Select(n => $"{conversationId}|{n:D7}"), body["activities"]!.AsArray().Select(a => (string)a!["id"]!));
        Assert.Equal("16", (string)body["watermark"]!);

        using var after = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities?watermark=14", token);
        var tail = (await after.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal([$"{conversationId}|0000015", $"{conversationId}|0000016"], tail["activities"]!.AsArray().Select(a => (string)a!["id"]!));

        // The newest watermark returns nothing new; one ahead of the feed was never returned, and would hide what comes next.
        using var current = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities?watermark=16", token);
        var nothingNew = (await current.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("16", 0), ((string)nothingNew["watermark"]!, nothingNew["activities"]!.AsArray().Count));
        using var ahead = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities?watermark=17", token);
        await DirectLineApiTests.AssertProblemAsync(ahead, HttpStatusCode.BadRequest, "Invalid watermark");
        using var reconnectAhead = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}?watermark=17", token);
        await DirectLineApiTests.AssertProblemAsync(reconnectAhead, HttpStatusCode.BadRequest, "Invalid watermark");
    }

    [Fact]
    public async Task Large_activities_are_bounded_per_conversation_and_across_conversations()
    {
        await using var server = await DirectLineServer.StartAsync(new Dictionary<string, string?>
        {
            ["QaBot:DirectLine:MaxKilobytesPerConversation"] = "128",
            ["QaBot:DirectLine:MaxMemoryMegabytes"] = "1",
        });
        var store = server.Services.GetRequiredService<DirectLineConversations>();
        var typing = $$"""{"type":"typing","text":"{{new string('x', 60_000)}}"}""";
        var started = new List<(string ConversationId, string Token)>();
        for (var c = 0; c < 12; c++)
        {
            var (conversationId, token) = await server.StartConversationAsync();
            started.Add((conversationId, token));
            for (var i = 0; i < 20; i++)
            {
                using var posted = await server.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{conversationId}/activities", token, typing);
                Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            }

            using var feed = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities", token);
            var body = await feed.Content.ReadAsByteArrayAsync();
            Assert.InRange(body.Length, 60_000, 128 * 1024 + 1024); // the newest activities, within the conversation's budget
            Assert.InRange(store.Bytes, 0, 1024 * 1024);
        }

        // 12 × 128 KB do not fit in 1 MB: the least recently used conversations were forgotten, the latest kept.
        using var first = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{started[0].ConversationId}/activities", started[0].Token);
        await DirectLineApiTests.AssertProblemAsync(first, HttpStatusCode.NotFound, "Conversation not found");
        using var last = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{started[^1].ConversationId}/activities", started[^1].Token);
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
    }

    [Fact]
    public async Task Activities_refused_with_429_are_never_stored()
    {
        // The first question's turn holds until the end, so the conversation's queue of waiting turns fills deterministically.
        var answerer = new HeldAnswerer();
        await using var server = await DirectLineServer.StartAsync(services: s => s.AddSingleton<IAnswerer>(answerer));
        try
        {
            var (conversationId, token) = await server.StartConversationAsync();
            var results = new List<(string Text, HttpStatusCode Status)>();
            for (var i = 0; i < 12; i++)
            {
                var text = $"How much have Honda sales dropped? ({i})";
                using var posted = await server.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{conversationId}/activities", token,
                    $$"""{"type":"message","text":"{{text}}"}""");
                results.Add((text, posted.StatusCode));
                // A refusal says when to send again, as /api/messages and the rate limiter do.
                if (posted.StatusCode == HttpStatusCode.TooManyRequests) Assert.NotNull(posted.Headers.RetryAfter);
            }

            var refused = results.Where(r => r.Status == HttpStatusCode.TooManyRequests).Select(r => r.Text).ToList();
            Assert.InRange(refused.Count, 4, 5); // 8 turns may wait (the welcome may still be one of them)
            using var all = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities", token);
            var texts = (await all.Content.ReadFromJsonAsync<JsonObject>())!["activities"]!.AsArray().Select(a => (string?)a!["text"]).ToHashSet();
            Assert.All(results, r => Assert.Equal(r.Status == HttpStatusCode.OK, texts.Contains(r.Text)));
        }
        finally
        {
            answerer.Release();
        }
    }

    /// <summary>An answerer that declines, but only once released.</summary>
    private sealed class HeldAnswerer : IAnswerer
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        public async Task<AnswerDraft> AnswerAsync(string question, IReadOnlyList<RetrievedPassage> passages, CancellationToken cancellationToken)
        {
            await _released.Task.WaitAsync(cancellationToken);
            return AnswerDraft.Decline();
        }
    }

    [Fact]
    public async Task A_full_store_forgets_the_least_recently_used_conversation_instead_of_refusing_a_newcomer()
    {
        var clock = new AdjustableClock();
        await using var server = await DirectLineServer.StartAsync(new Dictionary<string, string?> { ["QaBot:DirectLine:MaxConversations"] = "3" }, clock);
        var a = await server.StartConversationAsync();
        clock.Advance(TimeSpan.FromSeconds(1));
        var b = await server.StartConversationAsync();
        clock.Advance(TimeSpan.FromSeconds(1));
        var c = await server.StartConversationAsync();
        clock.Advance(TimeSpan.FromSeconds(1));
        using (var touch = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{a.ConversationId}/activities", a.Token))
            Assert.Equal(HttpStatusCode.OK, touch.StatusCode);
        clock.Advance(TimeSpan.FromSeconds(1));

        var d = await server.StartConversationAsync(); // 201, not 503

        foreach (var (conversation, expected) in new[] { (a, HttpStatusCode.OK), (b, HttpStatusCode.NotFound), (c, HttpStatusCode.OK), (d, HttpStatusCode.OK) })
        {
            using var response = await server.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversation.ConversationId}/activities", conversation.Token);
            Assert.Equal(expected, response.StatusCode);
        }
    }

    [Fact]
    public async Task Holders_of_the_secret_are_not_limited_like_anonymous_clients()
    {
        await using var server = await DirectLineServer.StartAsync(new Dictionary<string, string?> { ["QaBot:DirectLine:ConversationsPerClientPerMinute"] = "2" });
        for (var i = 0; i < 5; i++)
        {
            using var started = await server.SendAsync(HttpMethod.Post, "v3/directline/conversations", DirectLineServer.Secret);
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            using var generated = await server.SendAsync(HttpMethod.Post, "v3/directline/tokens/generate", DirectLineServer.Secret);
            Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        }

        await server.PageTokenAsync();
        await server.PageTokenAsync();
        using var refused = await server.SendAsync(HttpMethod.Post, "webchat/token", bearer: null);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    [Fact]
    public async Task Fifty_conversations_asking_at_once_all_get_answers_and_leave_no_turns_behind()
    {
        await using var server = await DirectLineServer.StartAsync(new Dictionary<string, string?>
        {
            ["QaBot:DirectLine:ConversationsPerClientPerMinute"] = "1000",
            ["QaBot:RateLimits:RequestsPerClientPerSecond"] = "100000",
        });
        var conversations = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => server.StartConversationAsync()));

        var answers = await Task.WhenAll(conversations.Select(async c =>
        {
            using var posted = await server.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{c.ConversationId}/activities", c.Token,
                """{"type":"message","text":"How much have Honda sales dropped?"}""");
            posted.EnsureSuccessStatusCode();
            var id = (string)(await posted.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            var activities = await server.WaitForActivitiesAsync(c.ConversationId, c.Token,
                a => a.Any(x => (string?)x!["type"] == "message" && (string?)x["replyToId"] == id));
            return (string)activities.Single(x => (string?)x!["type"] == "message" && (string?)x["replyToId"] == id)!["text"]!;
        }));

        Assert.All(answers, a => Assert.Contains("24.2%", a));
        // Every turn finishes and is forgotten: the runner keeps nothing per conversation once it is idle.
        var turns = server.Services.GetRequiredService<TurnRunner>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (turns.Queued > 0 || turns.ActiveConversations > 0) await Task.Delay(20, timeout.Token); // a turn ends just after its answer is stored
    }

    [Fact]
    public async Task Without_the_page_only_the_secret_hands_out_tokens_and_the_bundle_stays_available()
    {
        await using var server = await DirectLineServer.StartAsync(new Dictionary<string, string?> { ["QaBot:DirectLine:ServePage"] = "false" });
        using var page = await server.Http.GetAsync("");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        using var pageToken = await server.Http.PostAsync("webchat/token", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, pageToken.StatusCode); // /webchat/* is then only files
        using var bundle = await server.Http.GetAsync("webchat/webchat.js");
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        using var generated = await server.SendAsync(HttpMethod.Post, "v3/directline/tokens/generate", DirectLineServer.Secret);
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
    }
}
