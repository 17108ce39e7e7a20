using System.Text.Json;
using System.Text.Json.Nodes;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>The activity model reads what channels send and writes it back without losing a property.</summary>
public sealed class ActivityJsonTests
{
    /// <summary>A Teams channel message with fields QaBot does not model (channelData, a clientInfo entity, attachments…).</summary>
    private const string TeamsMessage = """
        {
          "type": "message",
          "id": "1700000000000",
          "timestamp": "2024-05-01T10:00:00.1234567Z",
          "localTimestamp": "2024-05-01T12:00:00.1234567+02:00",
          "serviceUrl": "https://smba.trafficmanager.net/emea/",
          "channelId": "msteams",
          "from": { "id": "29:1abc", "name": "Ada", "aadObjectId": "00000000-0000-0000-0000-000000000001", "userRole": "user" },
          "conversation": { "id": "19:abc@thread.tacv2;messageid=1700000000000", "conversationType": "channel", "isGroup": true, "tenantId": "t1" },
          "recipient": { "id": "28:6f1c8e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "name": "QaBot" },
          "textFormat": "plain",
          "text": "<at>QaBot</at> How much have Honda sales dropped?",
          "attachments": [ { "contentType": "text/html", "content": "<div><at>QaBot</at> How much?</div>" } ],
          "entities": [
            { "type": "mention", "mentioned": { "id": "28:6f1c8e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "name": "QaBot" }, "text": "<at>QaBot</at>" },
            { "type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web", "timezone": "Europe/Berlin" }
          ],
          "channelData": { "teamsChannelId": "19:abc@thread.tacv2", "team": { "id": "19:team" }, "tenant": { "id": "t1" }, "settings": { "selectedChannel": { "id": "19:abc" } } },
          "locale": "en-US",
          "localTimezone": "Europe/Berlin",
          "futureField": { "nested": [1, 2.5, null, true] }
        }
        """;

    [Fact]
    public void RoundTrip_KeepsEveryProperty()
    {
        var activity = JsonSerializer.Deserialize<Activity>(TeamsMessage, BotJson.Options)!;
        var written = JsonSerializer.Serialize(activity, BotJson.Options);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(TeamsMessage), JsonNode.Parse(written)), written);
    }

    [Fact]
    public void KnownFields_AreTyped_AndUnknownOnesKept()
    {
        var activity = JsonSerializer.Deserialize<Activity>(TeamsMessage, BotJson.Options)!;

        Assert.Equal("channel", activity.Conversation!.ConversationType);
        Assert.Equal("user", activity.From!.Properties!["userRole"].GetString());
        Assert.Equal("Europe/Berlin", activity.Properties!["localTimezone"].GetString());
        Assert.Equal("How much have Honda sales dropped?", MentionText.StripBotMention(activity));
    }

    [Theory]
    [InlineData("<at>QaBot</at> How much have Honda sales dropped?", "<at>QaBot</at>", "How much have Honda sales dropped?")]
    [InlineData("<at>QaBot</at> How much have Honda sales dropped?", "<at>@QaBot</at>", "How much have Honda sales dropped?")] // Teams' own sample pairs these.
    [InlineData("How much have Honda sales dropped, <at>QaBot</at>?", "<at>QaBot</at>", "How much have Honda sales dropped, ?")]
    [InlineData("<at>QaBot</at> what did <at>Ada</at> ask?", "<at>QaBot</at>", "what did Ada ask?")] // Someone else's mention keeps the name.
    public void BotMention_IsStripped(string text, string mentionText, string expected)
    {
        var activity = new Activity
        {
            Text = text,
            Recipient = new ChannelAccount { Id = "bot" },
            Entities = [Entity.From(new { type = "mention", mentioned = new { id = "bot", name = "QaBot" }, text = mentionText })],
        };

        Assert.Equal(expected, MentionText.StripBotMention(activity));
    }

    [Fact]
    public void MentionOfSomeoneElse_IsNotStrippedAsTheBots()
    {
        var activity = new Activity
        {
            Text = "<at>Ada</at> knows",
            Recipient = new ChannelAccount { Id = "bot" },
            Entities = [Entity.From(new { type = "mention", mentioned = new { id = "29:ada", name = "Ada" }, text = "<at>Ada</at>" })],
        };

        Assert.Equal("Ada knows", MentionText.StripBotMention(activity));
    }
}
