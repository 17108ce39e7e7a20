using System.Text.Json.Nodes;

namespace QaBot.Channels.Slack.Tests;

/// <summary>Runs tests/e2e/slack/web-api-check.js: Slack's own Node SDK against our fake, and Node-signed events against QaBot.</summary>
[Collection(SlackServerCollection.Name)]
public sealed class NodeSlackClientTests(SlackServerFixture server)
{
    [SkippableFact]
    public async Task Slacks_Node_SDK_and_Node_signed_events_agree_with_QaBot()
    {
        E2ePrerequisites.Require("@slack/web-api");
        var channel = SlackRequests.NewChannel();
        var rateLimited = SlackRequests.NewChannel();
        server.Slack.RateLimit(rateLimited);

        var result = await NodeScripts.RunSuccessfullyAsync(null, "slack/web-api-check.js",
            server.Slack.ApiUrl.ToString(), FakeSlackApi.Token, server.EventsUrl.ToString(), SlackServerFixture.SigningSecret, channel, rateLimited);

        // The SDK reads our fake's answers as it reads Slack's.
        Assert.Equal(FakeSlackApi.BotUserId, (string?)result["authTest"]!["userId"]);
        Assert.Equal(FakeSlackApi.BotId, (string?)result["authTest"]!["botId"]);
        Assert.True((bool)result["postMessage"]!["ok"]!);
        Assert.True((bool)result["rateLimited"]!["ok"]!);
        Assert.Equal(1, (int?)result["rateLimited"]!["retryAfterSeconds"]);
        Assert.True((int)result["rateLimited"]!["waitedMs"]! >= 900);
        Assert.Equal([429, 200], server.Slack.Posts(rateLimited).Select(p => p.Status));
        Assert.True((bool)result["channelNotFound"]!["isPlatformError"]!);
        Assert.Equal("channel_not_found", (string?)result["channelNotFound"]!["error"]);
        Assert.Equal("invalid_auth", (string?)result["invalidAuth"]!["error"]);

        // QaBot accepts Node's signatures, rejects a wrong secret and a replay, and acknowledges within Slack's 3 s.
        Assert.True((bool)result["urlVerification"]!["echoed"]!);
        Assert.Equal(200, (int)result["mention"]!["status"]!);
        Assert.True((int)result["mention"]!["ms"]! < 3000);
        Assert.Equal(401, (int)result["wrongSecret"]!["status"]!);
        Assert.Equal(401, (int)result["replay"]!["status"]!);

        // The SDK's post (form-encoded) and QaBot's reply to the Node-signed mention (JSON) carry the same arguments.
        var posts = await server.Slack.WaitForMessagesAsync(channel, 2);
        var sdk = posts.Single(p => p.ContentType!.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal));
        var ours = posts.Single(p => p.ContentType!.StartsWith("application/json", StringComparison.Ordinal));
        Assert.Equal(sdk.Authorization, ours.Authorization);
        Assert.Equal("1700000950.000100", ours.Field("thread_ts"));
        Assert.Contains("24.2%", ours.Field("text"));
        foreach (var field in new[] { "channel", "text", "thread_ts", "blocks", "unfurl_links" })
        {
            Assert.True(sdk.Fields.ContainsKey(field), $"SDK sent no {field}");
            Assert.True(ours.Fields.ContainsKey(field), $"QaBot sent no {field}");
        }

        Assert.Equal(Shape(sdk.Fields["blocks"]!), Shape(ours.Fields["blocks"]!));
    }

    /// <summary>The block types and their text object types, e.g. "section:mrkdwn context:mrkdwn".</summary>
    private static string Shape(JsonNode blocks) => string.Join(' ', blocks.AsArray().Select(b =>
        $"{b!["type"]}:{(string?)(b["text"] ?? b["elements"]![0])!["type"]}"));
}
