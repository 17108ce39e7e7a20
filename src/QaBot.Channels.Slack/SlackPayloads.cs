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

/// <summary>A Block Kit element of a <c>context</c> or <c>actions</c> block.</summary>
[JsonDerivedType(typeof(SlackText))]
[JsonDerivedType(typeof(SlackButton))]
internal abstract record SlackElement
{
    [JsonPropertyOrder(-1)]
    public abstract string Type { get; }
}

/// <summary>A Block Kit text object (<c>mrkdwn</c>).</summary>
internal sealed record SlackText(string Text) : SlackElement
{
    public override string Type => "mrkdwn";
}

/// <summary>A <c>plain_text</c> object, as buttons need; <c>emoji</c> turns <c>:thumbsup:</c> codes into emoji.</summary>
internal sealed record SlackPlainText(string Text, bool Emoji = true, string Type = "plain_text");

/// <summary>A button; clicking it sends a <c>block_actions</c> payload with its <c>action_id</c> and <c>value</c>.</summary>
internal sealed record SlackButton(SlackPlainText Text, string ActionId, string Value, string? AccessibilityLabel = null) : SlackElement
{
    public override string Type => "button";
}

/// <summary>A Block Kit block: a <c>section</c> with text, a <c>context</c> with small text elements, or <c>actions</c>.</summary>
internal sealed record SlackBlock(string Type, SlackText? Text = null, IReadOnlyList<SlackElement>? Elements = null, string? BlockId = null)
{
    public static SlackBlock Section(string mrkdwn) => new("section", Text: new SlackText(mrkdwn));

    public static SlackBlock Context(string mrkdwn) => new("context", Elements: [new SlackText(mrkdwn)]);

    public static SlackBlock Actions(string blockId, params SlackElement[] elements) => new("actions", Elements: elements, BlockId: blockId);
}

internal sealed record ChatPostMessageRequest(
    string Channel,
    string Text,
    string? ThreadTs,
    IReadOnlyList<SlackBlock>? Blocks,
    // Citations link to articles; previews of each would bury the answer.
    bool UnfurlLinks = false,
    bool UnfurlMedia = false);

/// <summary>A message only <paramref name="User"/> sees, in <paramref name="Channel"/> (and in the thread <paramref name="ThreadTs"/>, when given).</summary>
internal sealed record ChatPostEphemeralRequest(string Channel, string User, string Text, string? ThreadTs);

/// <summary>The Web API's answer: always <c>ok</c>, <c>error</c> when not; auth.test adds the ids, chat.postMessage <c>ts</c>.</summary>
internal sealed record SlackApiResponse(bool Ok, string? Error, string? UserId, string? BotId, string? Ts);

/// <summary>
/// An interactivity payload (the <c>payload</c> form field): for a button click, <c>block_actions</c> with the clicked
/// action, who clicked and the message it sits on.
/// </summary>
internal sealed record SlackInteraction(
    string? Type,
    SlackInteractionUser? User,
    SlackId? Team,
    SlackId? Channel,
    SlackInteractionMessage? Message,
    IReadOnlyList<SlackAction>? Actions);

internal sealed record SlackInteractionUser(string? Id, string? TeamId);

internal sealed record SlackId(string? Id);

internal sealed record SlackInteractionMessage(string? Ts, string? ThreadTs);

internal sealed record SlackAction(string? ActionId, string? BlockId, string? Value);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SlackEnvelope))]
[JsonSerializable(typeof(SlackInteraction))]
[JsonSerializable(typeof(UrlVerificationResponse))]
[JsonSerializable(typeof(ChatPostMessageRequest))]
[JsonSerializable(typeof(ChatPostEphemeralRequest))]
[JsonSerializable(typeof(SlackApiResponse))]
internal sealed partial class SlackJsonContext : JsonSerializerContext;
