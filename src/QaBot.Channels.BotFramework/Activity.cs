using System.Text.Json;
using System.Text.Json.Serialization;

namespace QaBot.Channels.BotFramework;

// The Bot Framework activity schema (botframework-activity spec), as far as QaBot reads or writes it. Every type keeps
// the properties it does not model in Properties, so an activity read and written again loses nothing.

/// <summary>A Bot Framework activity: a message, typing indicator, conversation update, invoke, event…</summary>
public sealed record Activity
{
    public string? Type { get; init; }

    public string? Id { get; init; }

    /// <summary>Kept as the channel's string so a round trip is byte-for-byte (ISO-8601 UTC).</summary>
    public string? Timestamp { get; init; }

    public string? LocalTimestamp { get; init; }

    public string? ServiceUrl { get; init; }

    public string? ChannelId { get; init; }

    public ChannelAccount? From { get; init; }

    public ConversationAccount? Conversation { get; init; }

    public ChannelAccount? Recipient { get; init; }

    public string? TextFormat { get; init; }

    public string? Text { get; init; }

    public string? Locale { get; init; }

    public string? InputHint { get; init; }

    public IReadOnlyList<Attachment>? Attachments { get; init; }

    public IReadOnlyList<Entity>? Entities { get; init; }

    public SuggestedActions? SuggestedActions { get; init; }

    public JsonElement? ChannelData { get; init; }

    public string? ReplyToId { get; init; }

    public string? Name { get; init; }

    public JsonElement? Value { get; init; }

    public string? Action { get; init; }

    public IReadOnlyList<ChannelAccount>? MembersAdded { get; init; }

    public IReadOnlyList<ChannelAccount>? MembersRemoved { get; init; }

    public IReadOnlyList<MessageReaction>? ReactionsAdded { get; init; }

    public IReadOnlyList<MessageReaction>? ReactionsRemoved { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Properties { get; init; }

    /// <summary>Why a client's activity cannot be handled (a list holding null, which the schema does not allow), or null.</summary>
    public string? NullItemProblem()
    {
        (string Name, IEnumerable<object?>? Items)[] lists =
        [
            ("attachments", Attachments), ("entities", Entities), ("membersAdded", MembersAdded), ("membersRemoved", MembersRemoved),
            ("reactionsAdded", ReactionsAdded), ("reactionsRemoved", ReactionsRemoved), ("suggestedActions.actions", SuggestedActions?.Actions),
        ];
        return lists.FirstOrDefault(l => l.Items?.Contains(null) == true).Name is { } name ? $"'{name}' holds a null item." : null;
    }
}

/// <summary>The activity types QaBot acts on (botframework-schema <c>ActivityTypes</c>).</summary>
public static class ActivityTypes
{
    public const string Message = "message";
    public const string Typing = "typing";
    public const string ConversationUpdate = "conversationUpdate";
    public const string Invoke = "invoke";
    public const string Event = "event";
    public const string MessageReaction = "messageReaction";
    public const string InstallationUpdate = "installationUpdate";
    public const string EndOfConversation = "endOfConversation";
}

/// <summary>A user or bot: <c>{id, name, aadObjectId?, role?}</c>. Teams bot ids are <c>28:&lt;appId&gt;</c>.</summary>
public sealed record ChannelAccount
{
    public string? Id { get; init; }

    public string? Name { get; init; }

    public string? AadObjectId { get; init; }

    public string? Role { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Properties { get; init; }
}

/// <summary>The conversation an activity belongs to; Teams adds <c>conversationType</c> (personal, groupChat, channel) and <c>tenantId</c>.</summary>
public sealed record ConversationAccount
{
    public string? Id { get; init; }

    public string? Name { get; init; }

    public bool? IsGroup { get; init; }

    public string? ConversationType { get; init; }

    public string? TenantId { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Properties { get; init; }
}

/// <summary>
/// An entity of any type (mention, clientInfo, https://schema.org/Message…): only <c>type</c> is modelled, the rest of the
/// object lives in <see cref="Properties"/>.
/// </summary>
public sealed record Entity
{
    public string? Type { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Properties { get; init; }

    /// <summary>A property of the entity, or null when it is absent.</summary>
    public JsonElement? Get(string name) => Properties is not null && Properties.TryGetValue(name, out var value) ? value : null;

    /// <summary>Converts any JSON-serialisable shape (an anonymous object, a record) into an entity.</summary>
    public static Entity From(object shape) => JsonSerializer.SerializeToElement(shape, BotJson.Options).Deserialize<Entity>(BotJson.Options)!;
}

public sealed record Attachment
{
    public string? ContentType { get; init; }

    public string? ContentUrl { get; init; }

    public JsonElement? Content { get; init; }

    public string? Name { get; init; }

    public string? ThumbnailUrl { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Properties { get; init; }
}

public sealed record SuggestedActions
{
    /// <summary>Ids of the recipients the actions are shown to; all when absent.</summary>
    public IReadOnlyList<string>? To { get; init; }

    public IReadOnlyList<CardAction> Actions { get; init; } = [];

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Properties { get; init; }
}

/// <summary>A button; <c>imBack</c> posts <see cref="Value"/> back as if the user had typed it.</summary>
public sealed record CardAction
{
    public string? Type { get; init; }

    public string? Title { get; init; }

    public JsonElement? Value { get; init; }

    public string? Text { get; init; }

    public string? DisplayText { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Properties { get; init; }

    public static CardAction ImBack(string text) => new() { Type = "imBack", Title = text, Value = JsonSerializer.SerializeToElement(text, BotJson.Options) };
}

public sealed record MessageReaction
{
    public string? Type { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Properties { get; init; }
}

/// <summary>The Connector's answer to a sent activity: the id the channel gave it.</summary>
public sealed record ResourceResponse(string? Id);

/// <summary>What an <c>invoke</c> activity is answered with, as the HTTP status and body of its request.</summary>
public sealed record InvokeResponse(int Status, JsonElement? Body = null);

/// <summary>The one JSON shape of Bot Framework payloads: camelCase, nulls omitted, property names case-insensitive on read.</summary>
public static class BotJson
{
    /// <summary>How deep a client's activity may nest; shallower than <see cref="Options"/> writes, so the envelopes that
    /// carry an accepted activity back out (a Direct Line feed, a stream message) always fit.</summary>
    public const int MaxInboundDepth = 48;

    public static JsonSerializerOptions Options { get; } = Create(maxDepth: 0);

    /// <summary><see cref="Options"/> for what a client sends.</summary>
    public static JsonSerializerOptions Inbound { get; } = Create(MaxInboundDepth);

    /// <summary>The string at <paramref name="element"/>, or null when it is absent or not a string: a client may send any JSON there.</summary>
    public static string? AsString(this JsonElement? element) => element is { ValueKind: JsonValueKind.String } e ? e.GetString() : null;

    /// <summary>The string property <paramref name="name"/> of an object, or null when it is absent, not a string, or this is no object.</summary>
    public static string? StringProperty(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? AsString(value) : null;

    private static JsonSerializerOptions Create(int maxDepth)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = maxDepth };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
