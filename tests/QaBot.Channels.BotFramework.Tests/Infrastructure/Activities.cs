using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace QaBot.Channels.BotFramework.Tests.Infrastructure;

/// <summary>Inbound activities shaped as the Emulator and Teams send them (hand-built JSON, not our own model).</summary>
public static class Activities
{
    public const string BotId = "bot-id";
    public const string UserId = "user-id";

    public static JsonObject Message(string serviceUrl, string conversationId, string text, string channelId = "emulator", string? id = null) => new()
    {
        ["type"] = "message",
        ["id"] = id ?? Guid.NewGuid().ToString("N"),
        ["timestamp"] = DateTime.UtcNow.ToString("o"),
        ["serviceUrl"] = serviceUrl,
        ["channelId"] = channelId,
        ["from"] = new JsonObject { ["id"] = UserId, ["name"] = "User", ["role"] = "user" },
        ["recipient"] = new JsonObject { ["id"] = BotId, ["name"] = "QaBot", ["role"] = "bot" },
        ["conversation"] = new JsonObject { ["id"] = conversationId },
        ["text"] = text,
        ["locale"] = "en-US",
    };

    public static JsonObject ConversationUpdate(string serviceUrl, string conversationId) => new()
    {
        ["type"] = "conversationUpdate",
        ["id"] = Guid.NewGuid().ToString("N"),
        ["serviceUrl"] = serviceUrl,
        ["channelId"] = "emulator",
        ["from"] = new JsonObject { ["id"] = UserId, ["name"] = "User" },
        ["recipient"] = new JsonObject { ["id"] = BotId, ["name"] = "Bot", ["role"] = "bot" },
        ["conversation"] = new JsonObject { ["id"] = conversationId },
        // The Emulator announces the user and the bot together on start.
        ["membersAdded"] = new JsonArray(new JsonObject { ["id"] = UserId, ["name"] = "User" }, new JsonObject { ["id"] = BotId, ["name"] = "Bot" }),
    };

    public static string NewConversationId() => "conv-" + Guid.NewGuid().ToString("N");

    public static Task<HttpResponseMessage> PostAsync(this HttpClient http, Uri url, JsonNode activity, string? bearer = null) =>
        http.PostRawAsync(url, activity.ToJsonString(), bearer);

    public static async Task<HttpResponseMessage> PostRawAsync(this HttpClient http, Uri url, string body, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return await http.SendAsync(request);
    }
}
