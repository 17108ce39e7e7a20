using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;

namespace QaBot.Hostile.Tests.Infrastructure;

/// <summary>A request body and what kind of hostility it carries; printed short, since some are a megabyte.</summary>
public sealed record HostileBody(string Kind, byte[] Bytes)
{
    public override string ToString()
    {
        var preview = Encoding.UTF8.GetString(Bytes, 0, Math.Min(Bytes.Length, 300));
        return $"{Kind}, {Bytes.Length} bytes: {preview}{(Bytes.Length > 300 ? "…" : "")}";
    }
}

/// <summary>
/// Request bodies for the channels' endpoints: random JSON, payloads shaped like a channel's with wrong types in the known
/// fields, deep nesting, a megabyte of text, invalid UTF-8, raw control characters, truncation and plain garbage.
/// </summary>
public static class HostileBodies
{
    private static readonly JsonSerializerOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Strings safe to serialise (lone surrogates cannot be written as JSON), yet hostile to whoever reads them.</summary>
    private static readonly Gen<string> JsonText = HostileText.Text.Select(RemoveLoneSurrogates);

    private static readonly Gen<JsonNode?> Leaf = Gen.Frequency<JsonNode?>(
        (1, Gen.Const((JsonNode?)null)),
        (1, Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b))),
        (2, Gen.Long.Select(l => (JsonNode?)JsonValue.Create(l))),
        (1, Gen.Double.Where(double.IsFinite).Select(d => (JsonNode?)JsonValue.Create(d))),
        (4, JsonText.Select(s => (JsonNode?)JsonValue.Create(s))));

    private static readonly Gen<string> Key = Gen.Frequency(
        (3, Gen.OneOf("type", "id", "text", "conversation", "serviceUrl", "from", "recipient", "channelId", "replyToId", "value",
            "entities", "attachments", "membersAdded", "event", "event_id", "challenge", "token", "channel", "user", "ts", "thread_ts")),
        (1, JsonText));

    public static readonly Gen<JsonNode?> Json = Gen.Recursive<JsonNode?>((depth, self) => depth >= 4
        ? Leaf
        : Gen.Frequency(
            (3, Leaf),
            (1, self.Array[0, 5].Select(items => (JsonNode?)new JsonArray(items))),
            (1, Gen.Select(Key, self).Array[0, 6].Select(Object))));

    /// <summary>A value of a known field: usually the right shape, often not.</summary>
    private static Gen<JsonNode?> Field(params JsonNode?[] plausible) =>
        Gen.Frequency((4, Gen.OneOf(plausible).Select(n => n?.DeepClone())), (1, Json));

    private static readonly Gen<JsonNode?> Account = Field(new JsonObject { ["id"] = "user-1", ["name"] = "User" }, new JsonObject(), null);

    /// <summary>The list-valued fields the handlers walk (members added, mentions, reactions), usually well formed.</summary>
    private static readonly Gen<JsonNode?> Lists = Field(
        new JsonObject { ["membersAdded"] = new JsonArray(new JsonObject { ["id"] = "user-1" }, new JsonObject { ["id"] = "qabot" }) },
        new JsonObject { ["entities"] = new JsonArray(new JsonObject { ["type"] = "mention", ["text"] = "<at>QaBot</at>", ["mentioned"] = new JsonObject { ["id"] = "qabot" } }) },
        new JsonObject { ["reactionsAdded"] = new JsonArray(new JsonObject { ["type"] = "like" }), ["replyToId"] = "activity-0" },
        // Lists holding null, and fields of the wrong type inside their items.
        new JsonObject { ["entities"] = new JsonArray(null, new JsonObject { ["type"] = "mention", ["mentioned"] = new JsonObject { ["id"] = 5, ["name"] = 5 } }) },
        new JsonObject { ["entities"] = new JsonArray(new JsonObject { ["@type"] = 5, ["@id"] = new JsonArray(), ["result"] = new JsonObject { ["text"] = 5 } }) },
        new JsonObject { ["membersAdded"] = new JsonArray((JsonNode?)null), ["reactionsAdded"] = new JsonArray((JsonNode?)null) },
        new JsonObject());

    /// <summary>A Bot Framework / Direct Line activity with every known field possibly of the wrong type.</summary>
    public static readonly Gen<JsonNode?> Activity = Gen.Select(
        Field("message", "invoke", "conversationUpdate", "messageReaction", "event", "typing", "endOfConversation", "", "MESSAGE"),
        Field(new JsonObject { ["id"] = "conv-1" }, new JsonObject { ["id"] = "" }, new JsonObject { ["id"] = "a:b@c;d/e?f#g" }, null),
        Field("http://127.0.0.1:1", "http://localhost:1/", "https://example.com", "javascript:alert(1)", "", "not a url", "http://[::1]:1", "file:///etc/passwd"),
        JsonText.Select(t => (JsonNode?)t),
        Account,
        Field(new JsonObject { ["actionName"] = "feedback", ["actionValue"] = new JsonObject { ["reaction"] = "like", ["feedback"] = "{\"feedbackText\":\"ok\"}" } },
            new JsonObject { ["actionName"] = "feedback", ["actionValue"] = new JsonObject { ["reaction"] = "dislike", ["feedback"] = "not json" } },
            new JsonObject { ["actionName"] = "feedback", ["actionValue"] = new JsonObject { ["reaction"] = 5 } },
            new JsonObject { ["actionName"] = "feedback", ["actionValue"] = new JsonObject { ["reaction"] = "like", ["feedback"] = "{\"feedbackText\":5}" } }, null),
        Field("message/submitAction", "webchat:activity-status/feedback", null),
        Lists,
        (type, conversation, serviceUrl, text, from, value, name, lists) =>
        {
            var activity = new JsonObject
            {
                ["type"] = type,
                ["id"] = "activity-1",
                ["conversation"] = conversation,
                ["serviceUrl"] = serviceUrl,
                ["text"] = text,
                ["from"] = from,
                ["recipient"] = new JsonObject { ["id"] = "qabot", ["name"] = "QaBot" },
                ["value"] = value,
                ["name"] = name,
                ["channelId"] = "emulator",
            };
            foreach (var (key, list) in lists as JsonObject ?? [])
                activity[key] = list?.DeepClone();
            return (JsonNode?)activity;
        });

    /// <summary>A Slack Events API envelope with every known field possibly of the wrong type.</summary>
    public static readonly Gen<JsonNode?> SlackEnvelope = Gen.Select(
        Field("event_callback", "url_verification", "app_rate_limited", ""),
        Field("challenge-1", ""),
        Field("Ev0001", ""),
        Field(new JsonObject { ["type"] = "app_mention", ["channel"] = "C1", ["user"] = "U1", ["ts"] = "1.000" },
            new JsonObject { ["type"] = "message", ["channel_type"] = "im", ["channel"] = "D1", ["user"] = "U1", ["ts"] = "1.000", ["bot_id"] = "B1" }),
        JsonText.Select(t => (JsonNode?)t),
        (type, challenge, eventId, @event, text) =>
        {
            if (@event is JsonObject e) e["text"] = text;
            return (JsonNode?)new JsonObject { ["type"] = type, ["challenge"] = challenge, ["event_id"] = eventId, ["event"] = @event, ["team_id"] = "T1" };
        });

    /// <summary>A Slack interactivity payload (a 👍/👎 click), every known field possibly of the wrong type.</summary>
    public static readonly Gen<JsonNode?> SlackInteraction = Gen.Select(
        Field("block_actions", "shortcut", "view_submission", ""),
        Field(new JsonObject { ["id"] = "U1", ["team_id"] = "T1" }, new JsonObject(), null),
        Field(new JsonObject { ["id"] = "C1" }, new JsonObject { ["id"] = "" }, null),
        Field(new JsonObject { ["ts"] = "2.000", ["thread_ts"] = "1.000" }, new JsonObject { ["ts"] = "2.000" }, null),
        Field(new JsonArray(new JsonObject { ["action_id"] = "qabot_vote_down", ["value"] = "ref-1" }),
            new JsonArray(new JsonObject { ["action_id"] = "qabot_vote_up" }), new JsonArray(), null),
        (type, user, channel, message, actions) => (JsonNode?)new JsonObject
        {
            ["type"] = type, ["user"] = user, ["team"] = new JsonObject { ["id"] = "T1" }, ["channel"] = channel, ["message"] = message, ["actions"] = actions,
        });

    /// <summary>Slack's interactivity form (<c>payload=</c> and the percent-encoded body), or the body as it is.</summary>
    public static Gen<HostileBody> AsSlackForm(Gen<HostileBody> bodies) => Gen.Frequency(
        (4, bodies.Select(b => b with { Kind = b.Kind + " form", Bytes = [.. "payload="u8, .. System.Net.WebUtility.UrlEncodeToBytes(b.Bytes, 0, b.Bytes.Length)] })),
        (1, bodies));

    /// <summary>Every kind of hostile body, built around <paramref name="shaped"/> payloads of the endpoint under test.</summary>
    public static Gen<HostileBody> For(Gen<JsonNode?> shaped) => Gen.Frequency(
        (4, shaped.Select(n => Body("shaped", n))),
        (3, Json.Select(n => Body("random json", n))),
        (1, Gen.Select(Gen.OneOf(64, 1_000, 10_000, 100_000), Gen.Bool, (depth, arrays) => new HostileBody($"nested {depth}", Nested(depth, arrays)))),
        (1, HostileText.Megabyte.Select(RemoveLoneSurrogates).Select(text => Body("1 MB text", new JsonObject
        {
            ["type"] = "message",
            ["text"] = text,
            ["conversation"] = new JsonObject { ["id"] = "conv-1" },
            ["serviceUrl"] = "http://127.0.0.1:1",
        }))),
        (2, Gen.Select(shaped, InvalidUtf8, Gen.Double.Unit, (n, bad, where) => new HostileBody("invalid utf-8", Splice(Serialize(n), bad, where)))),
        (1, Gen.Select(shaped, Gen.Char['\0', '\u001F'].Array[1, 5], Gen.Double.Unit, (n, controls, where) =>
            new HostileBody("raw control characters", Splice(Serialize(n), Encoding.UTF8.GetBytes(controls), where)))),
        (1, Gen.Select(shaped, Gen.Double.Unit, (n, keep) => new HostileBody("truncated", Truncate(Serialize(n), keep)))),
        (1, Gen.Byte.Array[0, 2000].Select(bytes => new HostileBody("random bytes", bytes))),
        (1, Gen.Const(new HostileBody("empty", []))));

    private static readonly Gen<byte[]> InvalidUtf8 = Gen.Frequency(
        (1, Gen.OneOf<byte[]>([0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80])),
        (1, Gen.Byte[(byte)0x80, (byte)0xFF].Array[1, 6]));

    private static HostileBody Body(string kind, JsonNode? node) => new(kind, Serialize(node));

    private static byte[] Serialize(JsonNode? node) => Encoding.UTF8.GetBytes(node?.ToJsonString(Writer) ?? "null");

    private static JsonNode? Object(IEnumerable<(string Key, JsonNode? Value)> properties)
    {
        var o = new JsonObject();
        foreach (var (key, value) in properties) o[key] = value; // A repeated key overwrites, as JsonObject allows no duplicates.
        return o;
    }

    /// <summary>Inserts <paramref name="insert"/> at a relative position (0–1) of <paramref name="bytes"/>, usually inside a string.</summary>
    private static byte[] Splice(byte[] bytes, byte[] insert, double where)
    {
        var at = (int)(where * bytes.Length);
        return [.. bytes.AsSpan(0, at), .. insert, .. bytes.AsSpan(at)];
    }

    private static byte[] Truncate(byte[] bytes, double keep) => bytes[..(int)(keep * bytes.Length)];

    private static byte[] Nested(int depth, bool arrays)
    {
        var (open, close) = arrays ? ("[", "]") : ("{\"a\":", "}");
        return Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth)));
    }

    private static string RemoveLoneSurrogates(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsSurrogatePair(s, i)) sb.Append(s, i++, 2);
            else if (!char.IsSurrogate(s[i])) sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
