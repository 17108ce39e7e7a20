using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using QaBot.Answering;
using QaBot.Text;

namespace QaBot.Channels.BotFramework;

/// <summary>
/// Renders an <see cref="Answer"/> as a reply activity: markdown text with [n] markers and numbered sources, one schema.org
/// Message entity with a Claim per citation (Teams and Web Chat draw these as citation pills), follow-up questions as
/// suggested actions, and the feedback switches of each client.
/// </summary>
internal static class AnswerActivity
{
    public const string TeamsChannel = "msteams";
    private const int MaxCitations = 20; // Teams shows at most 20.
    private const int MaxTitleChars = 80;
    private const int MaxAbstractChars = 160;

    public static Activity Create(Activity inbound, Answer answer, string answerReference)
    {
        var teams = string.Equals(inbound.ChannelId, TeamsChannel, StringComparison.OrdinalIgnoreCase);
        var reply = inbound.CreateReply(ActivityTypes.Message);
        if (answer.Declined)
            return reply with { Text = WithNotice(answer.Text, answer.Notice), TextFormat = "plain" };

        var citations = answer.Citations.Take(MaxCitations).ToList();
        var text = new StringBuilder(WithNotice(MarkdownText.EscapeKeepingMarkers(answer.MarkedText, citations.Count), answer.Notice));
        if (citations.Count > 0)
        {
            text.Append("\n\n**Sources**\n");
            foreach (var c in citations)
                text.Append('\n').Append(c.Index).Append(". ").Append(WebUrl.Safe(c.Url) is { } url ? $"[{MarkdownText.Escape(c.Title)}]({MarkdownText.Destination(url)})" : MarkdownText.Escape(c.Title));
            // Web Chat pairs each Claim with the link definition of the same number and draws no citation without it;
            // Teams reads the entity alone, and whether it shows definition lines as raw text is unverified.
            if (!teams)
            {
                text.Append("\n\n");
                foreach (var c in citations)
                    text.Append('\n').Append('[').Append(c.Index).Append("]: ").Append(WebUrl.Safe(c.Url) is { } url ? MarkdownText.Destination(url) : $"cite:{c.Index}")
                        .Append(" \"").Append(c.Title.Replace('"', '\'')).Append('"');
            }
        }

        return reply with
        {
            Text = text.ToString(),
            TextFormat = "markdown",
            Entities = [MessageEntity(citations, teams ? null : answerReference)],
            SuggestedActions = SuggestionsFit(inbound) && answer.SuggestedQuestions.Count > 0
                ? new SuggestedActions { Actions = [.. answer.SuggestedQuestions.Select(CardAction.ImBack)] }
                : null,
            ChannelData = teams ? TeamsFeedbackLoop : null,
        };
    }

    /// <summary>Teams draws suggested actions only in personal chats; every other channel QaBot serves draws them.</summary>
    public static bool SuggestionsFit(Activity inbound) => inbound.Conversation?.ConversationType is null or "personal";

    public static string WithNotice(string text, string? notice) => notice is null ? text : $"{text}\n\n_{notice}_";

    /// <summary>Teams' thumbs up/down: <c>feedbackLoop</c> for current clients, <c>feedbackLoopEnabled</c> for Teams AI v1 ones.</summary>
    private static readonly JsonElement TeamsFeedbackLoop = JsonSerializer.SerializeToElement(
        new { feedbackLoop = new { type = "default" }, feedbackLoopEnabled = true }, BotJson.Options);

    /// <summary>
    /// The single root Message entity (Teams rejects a second one). With a <paramref name="feedbackReference"/> it also
    /// offers Web Chat's thumbs, whose feedback event echoes the action object and so carries the reference back.
    /// </summary>
    private static Entity MessageEntity(IReadOnlyList<Citation> citations, string? feedbackReference)
    {
        var entity = new JsonObject
        {
            ["type"] = "https://schema.org/Message",
            ["@type"] = "Message",
            ["@context"] = "https://schema.org",
            ["@id"] = "",
            ["additionalType"] = new JsonArray("AIGeneratedContent"),
            ["citation"] = new JsonArray([.. citations.Select(Claim)]),
        };
        if (feedbackReference is not null)
            entity["potentialAction"] = new JsonArray(
                new JsonObject { ["@type"] = "LikeAction", ["@id"] = feedbackReference },
                new JsonObject { ["@type"] = "DislikeAction", ["@id"] = feedbackReference });
        return Entity.From(entity);
    }

    private static JsonObject Claim(Citation c)
    {
        var appearance = new JsonObject
        {
            ["@type"] = "DigitalDocument",
            ["name"] = Truncate(c.Title, MaxTitleChars),
            ["abstract"] = Truncate(c.Quote, MaxAbstractChars),
        };
        if (WebUrl.Safe(c.Url) is { } url) appearance["url"] = url;
        return new JsonObject { ["@type"] = "Claim", ["position"] = c.Index, ["appearance"] = appearance };
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)].TrimEnd() + "…";
}
