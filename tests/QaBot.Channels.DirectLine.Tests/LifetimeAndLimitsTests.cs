using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Channels.DirectLine.Tests.Infrastructure;
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

    [Fact]
    public async Task History_is_capped_and_watermarks_stay_valid()
    {
        await using var server = await DirectLineServer.StartAsync(new Dictionary<string, string?> { ["QaBot:DirectLine:MaxActivitiesPerConversation"] = "10" });
        var (conversationId, token) = await server.StartConversationAsync();
        for (var i = 0; i < 5; i++)
        {
            using var posted = await server.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{conversationId}/activities", token,
                """{"type":"message","text":"How much did Honda sales drop?"}""");
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
                """{"type":"message","text":"How much did Honda sales drop?"}""");
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
