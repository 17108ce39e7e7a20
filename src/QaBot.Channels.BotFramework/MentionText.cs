using System.Text.RegularExpressions;

namespace QaBot.Channels.BotFramework;

/// <summary>Removes the bot's own @mention from a message, as botbuilder's <c>TurnContext.removeMentionText</c> does.</summary>
public static partial class MentionText
{
    /// <summary>
    /// The question in <paramref name="activity"/> without the bot's mention: the text of every mention entity naming the
    /// recipient is removed, plus the <c>&lt;at&gt;Name&lt;/at&gt;</c> forms of the bot's name (Teams' own sample pairs the
    /// entity text <c>&lt;at&gt;@Name&lt;/at&gt;</c> with message text <c>&lt;at&gt;Name&lt;/at&gt;</c>). Other people's
    /// mentions keep their names, which may be part of the question.
    /// </summary>
    public static string StripBotMention(Activity activity)
    {
        var text = activity.Text ?? "";
        var botId = activity.Recipient?.Id;
        foreach (var mention in activity.Entities ?? [])
        {
            if (!string.Equals(mention.Type, "mention", StringComparison.OrdinalIgnoreCase)) continue;
            if (botId is null || mention.Get("mentioned") is not { } mentioned || mentioned.StringProperty("id") != botId) continue;

            if (mention.Get("text").AsString() is { Length: > 0 } t)
                text = text.Replace(t, " ", StringComparison.Ordinal);
            if (mentioned.StringProperty("name") is { Length: > 0 } n)
                text = text.Replace($"<at>{n}</at>", " ", StringComparison.OrdinalIgnoreCase).Replace($"<at>@{n}</at>", " ", StringComparison.OrdinalIgnoreCase);
        }
        return Whitespace().Replace(AtTag().Replace(text, "$1"), " ").Trim();
    }

    [GeneratedRegex("<at>@?([^<]*)</at>", RegexOptions.IgnoreCase)]
    private static partial Regex AtTag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
