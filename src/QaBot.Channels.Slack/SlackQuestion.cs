using System.Text.RegularExpressions;

namespace QaBot.Channels.Slack;

/// <summary>A question asked of the bot, with where to answer it, the conversation (thread) it belongs to and who asked.</summary>
internal sealed partial record SlackQuestion(string Channel, string ThreadTs, string Text, string ConversationId, string UserId)
{
    /// <summary>
    /// The question in an event, or null when the bot should stay silent: events it does not handle, edits and other
    /// subtypes, and anything a bot wrote (itself included), so two bots cannot answer each other forever.
    /// </summary>
    public static SlackQuestion? From(SlackEnvelope envelope, SlackBotIdentity self)
    {
        if (envelope.Event is not { Channel: { } channel, Ts: { } ts } e) return null;
        var asked = e.Type == "app_mention" || (e.Type == "message" && e.ChannelType == "im");
        if (!asked || e.Subtype is not null || e.BotId is not null || e.User is null || e.User == self.UserId) return null;

        var text = SlackMrkdwn.Unescape(Mention().Replace(e.Text ?? "", m => m.Groups["id"].Value == self.UserId ? "" : m.Value)).Trim();
        // Replies go to the thread's parent, so a follow-up in the thread continues the same conversation.
        var thread = e.ThreadTs ?? ts;
        return new SlackQuestion(channel, thread, text, ConversationOf(envelope), $"slack:{envelope.TeamId ?? e.Team}:{e.User}");
    }

    /// <summary>The conversation an event belongs to: its thread (or the message that starts one) in its channel and team.</summary>
    public static string ConversationOf(SlackEnvelope envelope)
    {
        var e = envelope.Event;
        return ConversationOf(envelope.TeamId ?? e?.Team, e?.Channel, e?.ThreadTs ?? e?.Ts);
    }

    /// <summary>The conversation of a thread; a click on a reply in it (which Slack reports with the thread's ts) maps to the same one.</summary>
    public static string ConversationOf(string? team, string? channel, string? threadTs) => $"slack:{team}:{channel}:{threadTs}";

    /// <summary>A user mention, <c>&lt;@U123&gt;</c> or the older <c>&lt;@U123|name&gt;</c>.</summary>
    [GeneratedRegex(@"<@(?<id>[A-Z0-9]+)(?:\|[^>]*)?>")]
    private static partial Regex Mention();
}
