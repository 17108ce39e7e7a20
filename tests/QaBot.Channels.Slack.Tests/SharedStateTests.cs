using System.Net;
using QaBot.Processes;

namespace QaBot.Channels.Slack.Tests;

/// <summary>Two real server processes sharing one real Redis (QaBot:State:Provider=Redis), as replicas behind a load balancer.</summary>
public sealed class SharedStateTests
{
    private const string Question = "How much did Honda's sales drop in China?";

    [SkippableFact]
    public async Task An_event_and_its_retry_sent_to_different_replicas_are_answered_once()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var slack = await FakeSlackApi.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["QaBot:State:Provider"] = "Redis",
            ["QaBot:State:Redis:Configuration"] = redis.Configuration,
            ["QaBot:Slack:SigningSecret"] = SlackServerFixture.SigningSecret,
            ["QaBot:Slack:BotToken"] = FakeSlackApi.Token,
            ["QaBot:Slack:ApiBaseUrl"] = slack.ApiUrl.ToString(),
        };
        await using var first = await TestServer.StartAsync(settings);
        await using var second = await TestServer.StartAsync(settings);
        using var http = new HttpClient();
        async Task AcceptedAsync(ServerProcess replica, string body, int? retryNum = null)
        {
            using var response = await http.SendAsync(SlackRequests.Signed(new Uri(replica.BaseUrl, "api/slack/events"), body, retryNum: retryNum));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var channel = SlackRequests.NewChannel();
        var body = SlackRequests.Callback(SlackRequests.Mention(channel, "1700000500.000100", Question));
        await AcceptedAsync(first, body);
        await AcceptedAsync(second, body, retryNum: 1);
        await AcceptedAsync(first, body, retryNum: 2);

        // A later question on each replica, answered, and both idle: every delivery above has been handled.
        foreach (var (replica, ts) in new[] { (first, "1700009998.000100"), (second, "1700009999.000100") })
        {
            await AcceptedAsync(replica, SlackRequests.Callback(SlackRequests.Mention(channel, ts, Question)));
            await slack.WaitForMessagesAsync(channel, threadTs: ts);
        }

        await first.WaitUntilIdleAsync();
        await second.WaitUntilIdleAsync();
        Assert.Single(slack.Posts(channel), p => p.Field("thread_ts") == "1700000500.000100");
        Assert.Equal(3, slack.Posts(channel).Count);
    }

    [Fact]
    public async Task Without_Redis_an_event_is_refused_with_503_and_the_reason_and_the_outage_is_logged_once()
    {
        await using var slack = await FakeSlackApi.StartAsync();
        await using var server = await TestServer.StartAsync(new Dictionary<string, string>
        {
            ["QaBot:State:Provider"] = "Redis",
            // Nothing listens there.
            ["QaBot:State:Redis:Configuration"] = $"127.0.0.1:{FreePort.Next()},connectTimeout=500,asyncTimeout=1000",
            ["QaBot:Slack:SigningSecret"] = SlackServerFixture.SigningSecret,
            ["QaBot:Slack:BotToken"] = FakeSlackApi.Token,
            ["QaBot:Slack:ApiBaseUrl"] = slack.ApiUrl.ToString(),
        });
        using var http = new HttpClient();

        for (var i = 0; i < 2; i++)
        {
            var body = SlackRequests.Callback(SlackRequests.Mention(SlackRequests.NewChannel(), "1700000600.000100", Question));
            using var response = await http.SendAsync(SlackRequests.Signed(new Uri(server.BaseUrl, "api/slack/events"), body));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("Shared state unavailable", await response.Content.ReadAsStringAsync());
        }

        Assert.Single(server.Output.Split('\n'), line => line.Contains("is unreachable", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", server.Output);
    }
}
