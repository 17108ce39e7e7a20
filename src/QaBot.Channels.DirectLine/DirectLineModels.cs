using System.Text.Json.Serialization;
using QaBot.Channels.BotFramework;

namespace QaBot.Channels.DirectLine;

// Direct Line 3.0 payloads (DL3 API reference). Serialised with BotJson.Options: camelCase, nulls omitted.

/// <summary>A conversation and the token to use it: the answer of token generate/refresh and conversation start/reconnect.</summary>
public sealed record DirectLineConversationInfo(
    string ConversationId,
    string Token,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    string? StreamUrl = null);

/// <summary>The body of token generation and conversation start with the secret: who the user is (optional).</summary>
public sealed record DirectLineStartRequest(ChannelAccount? User);

/// <summary>A page of the feed, on a poll or as one WebSocket frame.</summary>
public sealed record ActivitySet(IReadOnlyList<Activity> Activities, string Watermark);
