using System.Text.Json;
using Xunit.Abstractions;

namespace QaBot.Channels.DirectLine.Tests;

/// <summary>Two real server processes sharing one real Redis (QaBot:State:Provider=Redis), as replicas behind a load balancer.</summary>
public sealed class SharedStateTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task A_Web_Chat_conversation_started_on_one_replica_is_polled_and_continued_on_the_other()
    {
        E2ePrerequisites.Require("botframework-directlinejs");
        await using var redis = await RedisServer.StartAsync();
        // No secret: the page's tokens must verify on both replicas all the same.
        var settings = new Dictionary<string, string>
        {
            ["QaBot:State:Provider"] = "Redis",
            ["QaBot:State:Redis:Configuration"] = redis.Configuration,
        };
        await using var first = await TestServer.StartAsync(settings);
        await using var second = await TestServer.StartAsync(settings);

        var result = await NodeScripts.RunSuccessfullyAsync(output, "directline/replicas.js", first.BaseUrl.ToString(), second.BaseUrl.ToString());

        Assert.StartsWith("Hi!", (string)result["first"]!["welcome"]!);
        Assert.Contains("24.2%", (string)result["first"]!["answer"]!);
        // The follow-up asked on the second replica was read with the turn the first one stored.
        var conversationId = (string)result["conversationId"]!;
        var turns = await redis.Connection.GetDatabase().ListRangeAsync($"qabot:conversation:{conversationId}");
        Assert.Equal(["How much have Honda sales dropped?", "How much have Toyota sales dropped?", "How much have Nissan sales dropped?"],
            turns.Select(t => JsonDocument.Parse((string)t!).RootElement.GetProperty("StandaloneQuestion").GetString()));
        Assert.DoesNotContain("couldn't find", (string)result["second"]!["answer"]!, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace((string?)result["stream"]!["answer"]));

        // One feed, the same from either replica: every activity once, numbered without gaps.
        var feeds = result["feeds"]!.AsArray().Select(f => f!.AsArray().Select(id => (string)id!).ToList()).ToList();
        Assert.Equal(feeds[0], feeds[1]);
        Assert.Equal(Enumerable.Range(1, feeds[0].Count).Select(n => $"{conversationId}|{n:D7}"), feeds[0]);
    }
}
