using System.Text.Json.Serialization;

namespace QaBot.Channels.Slack;

// Only the fields QaBot reads or writes; Slack sends many more, which the deserializer skips.

/// <summary>The outer Events API payload: <c>url_verification</c> or <c>event_callback</c>.</summary>
internal sealed record SlackEnvelope(string? Type, string? Challenge, string? TeamId, string? EventId, SlackEvent? Event);

internal sealed record SlackEvent(
    string? Type,
    string? Subtype,
    string? User,
    string? BotId,
    string? Text,
    string? Channel,
    string? ChannelType,
    string? Ts,
    string? ThreadTs,
    string? Team);

internal sealed record UrlVerificationResponse(string Challenge);

/// <summary>A Block Kit text object (<c>mrkdwn</c>).</summary>
internal sealed record SlackText(string Text, string Type = "mrkdwn");

/// <summary>A Block Kit block: a <c>section</c> with text or a <c>context</c> with small text elements.</summary>
internal sealed record SlackBlock(string Type, SlackText? Text = null, IReadOnlyList<SlackText>? Elements = null)
{
    public static SlackBlock Section(string mrkdwn) => new("section", Text: new SlackText(mrkdwn));

    public static SlackBlock Context(string mrkdwn) => new("context", Elements: [new SlackText(mrkdwn)]);
}

internal sealed record ChatPostMessageRequest(
    string Channel,
    string Text,
    string? ThreadTs,
    IReadOnlyList<SlackBlock>? Blocks,
    // Citations link to articles; previews of each would bury the answer.
    bool UnfurlLinks = false,
    bool UnfurlMedia = false);

/// <summary>The Web API's answer: always <c>ok</c>, <c>error</c> when not; auth.test adds the ids, chat.postMessage <c>ts</c>.</summary>
internal sealed record SlackApiResponse(bool Ok, string? Error, string? UserId, string? BotId, string? Ts);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SlackEnvelope))]
[JsonSerializable(typeof(UrlVerificationResponse))]
[JsonSerializable(typeof(ChatPostMessageRequest))]
[JsonSerializable(typeof(SlackApiResponse))]
internal sealed partial class SlackJsonContext : JsonSerializerContext;
