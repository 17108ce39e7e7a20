using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace QaBot.Channels.Slack.Tests;

/// <summary>Builds Slack's requests the way Slack does, signing them independently of the code under test.</summary>
public static class SlackRequests
{
    public static HttpRequestMessage Signed(Uri url, string body, string secret = SlackServerFixture.SigningSecret, DateTimeOffset? at = null, int? retryNum = null,
        string contentType = "application/json")
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}"));
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        request.Headers.Add("X-Slack-Signature", "v0=" + Convert.ToHexString(mac).ToLowerInvariant());
        if (retryNum is { } n)
        {
            request.Headers.Add("X-Slack-Retry-Num", n.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("X-Slack-Retry-Reason", "http_timeout");
        }

        return request;
    }

    /// <summary>An <c>event_callback</c> envelope around <paramref name="event"/>, shaped like Slack's.</summary>
    public static string Callback(JsonObject @event, string? eventId = null) => new JsonObject
    {
        ["token"] = "legacy-verification-token",
        ["team_id"] = FakeSlackApi.TeamId,
        ["api_app_id"] = "A0QABOT",
        ["event"] = @event,
        ["type"] = "event_callback",
        ["event_id"] = eventId ?? NewEventId(),
        ["event_time"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["authorizations"] = new JsonArray(new JsonObject { ["team_id"] = FakeSlackApi.TeamId, ["user_id"] = FakeSlackApi.BotUserId, ["is_bot"] = true }),
    }.ToJsonString();

    public static JsonObject Mention(string channel, string ts, string question, string? threadTs = null, string user = "UALICE") => Event(new JsonObject
    {
        ["type"] = "app_mention",
        ["user"] = user,
        ["text"] = $"<@{FakeSlackApi.BotUserId}> {question}",
        ["channel"] = channel,
        ["ts"] = ts,
        ["event_ts"] = ts,
    }, threadTs);

    public static JsonObject DirectMessage(string channel, string ts, string text, string? threadTs = null, string? user = "UALICE") => Event(new JsonObject
    {
        ["type"] = "message",
        ["channel_type"] = "im",
        ["user"] = user,
        ["text"] = text,
        ["channel"] = channel,
        ["ts"] = ts,
        ["event_ts"] = ts,
    }, threadTs);

    /// <summary>A click on one of an answer's buttons, as Slack posts it: a form whose <c>payload</c> field is the <c>block_actions</c> JSON.</summary>
    public static string Interaction(JsonObject payload) => "payload=" + Uri.EscapeDataString(payload.ToJsonString());

    /// <summary>The <c>block_actions</c> payload for a click on <paramref name="actionId"/> under the bot's reply in <paramref name="threadTs"/>.</summary>
    public static JsonObject BlockActions(string channel, string threadTs, string actionId, string? value, string user = "UALICE") => new()
    {
        ["type"] = "block_actions",
        ["user"] = new JsonObject { ["id"] = user, ["username"] = "alice", ["team_id"] = FakeSlackApi.TeamId },
        ["api_app_id"] = "A0QABOT",
        ["token"] = "legacy-verification-token",
        ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = "1800000000.000001", ["channel_id"] = channel, ["is_ephemeral"] = false, ["thread_ts"] = threadTs },
        ["trigger_id"] = "123.456.abc",
        ["team"] = new JsonObject { ["id"] = FakeSlackApi.TeamId, ["domain"] = "qabot-test" },
        ["channel"] = new JsonObject { ["id"] = channel, ["name"] = "general" },
        ["message"] = new JsonObject { ["type"] = "message", ["user"] = FakeSlackApi.BotUserId, ["ts"] = "1800000000.000001", ["thread_ts"] = threadTs, ["text"] = "…" },
        ["response_url"] = "https://hooks.slack.example/actions/T0TEST/1/abc",
        ["actions"] = new JsonArray(new JsonObject
        {
            ["action_id"] = actionId, ["block_id"] = "qabot_vote", ["type"] = "button", ["value"] = value,
            ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = "👎", ["emoji"] = true }, ["action_ts"] = "1800000001.000001",
        }),
    };

    public static string NewEventId() => "Ev" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();

    /// <summary>A channel id no other test uses, so each test reads only its own replies from the shared fake.</summary>
    public static string NewChannel(char kind = 'C') => kind + Guid.NewGuid().ToString("N")[..9].ToUpperInvariant();

    private static JsonObject Event(JsonObject @event, string? threadTs)
    {
        if (threadTs is not null) @event["thread_ts"] = threadTs;
        return @event;
    }
}
