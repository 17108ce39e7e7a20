using System.Net;
using System.Text.Json;
using QaBot.Channels.BotFramework.Tests.Infrastructure;
using QaBot.TestSupport;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>Two real server processes sharing one real Redis (QaBot:State:Provider=Redis), as replicas behind a load balancer.</summary>
public sealed class SharedStateTests
{
    [SkippableFact]
    public async Task A_conversation_whose_messages_alternate_between_replicas_keeps_its_follow_ups()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var channel = await FakeChannel.StartAsync();
        // Emulator mode (no app id): replies go to the loopback fake channel.
        var settings = new Dictionary<string, string>
        {
            ["QaBot:State:Provider"] = "Redis",
            ["QaBot:State:Redis:Configuration"] = redis.Configuration,
            ["QaBot:Bot:MicrosoftAppId"] = "",
        };
        await using var first = await ServerProcess.StartAsync(settings);
        await using var second = await ServerProcess.StartAsync(settings);
        using var http = new HttpClient();
        var conversation = Activities.NewConversationId();
        var turns = new[] { (first, "How much have Honda sales dropped?"), (second, "and Toyota?"), (first, "and Nissan?") };
        foreach (var (i, (server, question)) in turns.Index())
        {
            using var response = await http.PostAsync(new Uri(server.BaseUrl, "api/messages"), Activities.Message(channel.ServiceUrl, conversation, question));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await channel.WaitForConversationAsync(conversation, r => r.Count(a => a.Type == "message") > i);
        }

        // Each replica read the turns the other one stored, and rewrote the follow-ups with them.
        var stored = await redis.Connection.GetDatabase().ListRangeAsync($"qabot:conversation:{conversation}");
        var standalone = stored.Select(t => JsonDocument.Parse((string)t!).RootElement.GetProperty("StandaloneQuestion").GetString()).ToList();
        Assert.Equal(["How much have Honda sales dropped?", "How much have Toyota sales dropped?", "How much have Nissan sales dropped?"], standalone);
        var answers = (await channel.WaitForConversationAsync(conversation, r => r.Count(a => a.Type == "message") >= 3)).Where(a => a.Type == "message").ToList();
        Assert.All(answers, a => Assert.DoesNotContain("couldn't find", a.Text, StringComparison.Ordinal));
    }
}
