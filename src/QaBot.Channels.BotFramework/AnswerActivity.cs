using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using QaBot.Answering;
using QaBot.Text;

namespace QaBot.Channels.BotFramework;

/// <summary>
/// Renders an <see cref="Answer"/> as a reply activity: markdown text with [n] markers, one schema.org Message entity with a
/// Claim per citation carrying the quoted passage (Teams and Web Chat draw these as citations and a references list),
/// follow-up questions as suggested actions, and the feedback switches of each client.
/// </summary>
internal static class AnswerActivity
{
    public const string TeamsChannel = "msteams";
    private const int MaxCitations = 20; // Teams shows at most 20.
    private const int MaxTitleChars = 80;
    private const int MaxAbstractChars = 160;

    /// <param name="suggestions">Follow-up questions to offer, each one the bot answers (see <c>SuggestedQuestions</c>).</param>
    public static Activity Create(Activity inbound, Answer answer, string answerReference, IReadOnlyList<string> suggestions)
    {
        var teams = string.Equals(inbound.ChannelId, TeamsChannel, StringComparison.OrdinalIgnoreCase);
        var reply = inbound.CreateReply(ActivityTypes.Message);
        if (answer.Declined)
            return reply with { Text = WithNotice(answer.Text, answer.Notice), TextFormat = "plain", ChannelData = ChannelData(answer, teams: false) };

        var citations = answer.Citations.Take(MaxCitations).ToList();
        // Article text is escaped (no links, HTML or formatting of its own); the [n] markers stay markers.
        var text = new StringBuilder(WithNotice(MarkdownText.EscapeKeepingMarkers(answer.MarkedText, citations.Count), answer.Notice));
        // Web Chat pairs each Claim with the link definition of the same number and draws no citation without it. A cite:
        // definition makes the [n] marker a button that opens the Claim's quoted passage inside the widget (a URL would
        // navigate away instead), and the definitions are also its references list, so there is no separate Sources list.
        // Teams reads the entity alone, and whether it shows definition lines as raw text is unverified.
        if (!teams && citations.Count > 0)
        {
            text.Append("\n\n");
            foreach (var c in citations)
                text.Append('\n').Append('[').Append(c.Index).Append("]: cite:").Append(c.Index).Append(" \"").Append(Name(c).Replace('"', '\'')).Append('"');
        }

        return reply with
        {
            Text = text.ToString(),
            TextFormat = "markdown",
            Entities = [MessageEntity(citations, teams, teams ? null : answerReference)],
            SuggestedActions = SuggestionsFit(inbound) && suggestions.Count > 0
                ? new SuggestedActions { Actions = [.. suggestions.Select(CardAction.ImBack)] }
                : null,
            ChannelData = ChannelData(answer, teams),
        };
    }

    /// <summary>
    /// Teams' thumbs up/down (<c>feedbackLoop</c> for current clients, <c>feedbackLoopEnabled</c> for Teams AI v1 ones), and
    /// the question as answered (a follow-up rewritten with its conversation), which clients ignore and load tests check.
    /// </summary>
    private static JsonElement ChannelData(Answer answer, bool teams)
    {
        var data = new JsonObject { ["qabot"] = new JsonObject { ["standaloneQuestion"] = answer.StandaloneQuestion } };
        if (teams)
        {
            data["feedbackLoop"] = new JsonObject { ["type"] = "default" };
            data["feedbackLoopEnabled"] = true;
        }
        return JsonSerializer.SerializeToElement(data, BotJson.Options);
    }

    /// <summary>Teams draws suggested actions only in personal chats; every other channel QaBot serves draws them.</summary>
    public static bool SuggestionsFit(Activity inbound) => inbound.Conversation?.ConversationType is null or "personal";

    public static string WithNotice(string text, string? notice) => notice is null ? text : $"{text}\n\n_{notice}_";

    /// <summary>
    /// The single root Message entity (Teams rejects a second one). With a <paramref name="feedbackReference"/> it also
    /// offers Web Chat's thumbs, whose feedback event echoes the action object and so carries the reference back.
    /// </summary>
    private static Entity MessageEntity(IReadOnlyList<Citation> citations, bool teams, string? feedbackReference)
    {
        var entity = new JsonObject
        {
            ["type"] = "https://schema.org/Message",
            ["@type"] = "Message",
            ["@context"] = "https://schema.org",
            ["@id"] = "",
            ["additionalType"] = new JsonArray("AIGeneratedContent"),
            ["citation"] = new JsonArray([.. citations.Select(c => Claim(c, teams))]),
        };
        if (feedbackReference is not null)
            entity["potentialAction"] = new JsonArray(
                new JsonObject { ["@type"] = "LikeAction", ["@id"] = feedbackReference },
                new JsonObject { ["@type"] = "DislikeAction", ["@id"] = feedbackReference });
        return Entity.From(entity);
    }

    /// <summary>
    /// The passage behind a citation: <c>text</c> is what Web Chat shows (as markdown) when the citation is clicked, and it
    /// must be there: without it Web Chat 4.18 throws and blanks the widget. Web Chat only shows it for an appearance with
    /// no url (it follows the url otherwise), so there the article's link goes inside the text; Teams shows the url itself.
    /// </summary>
    private static JsonObject Claim(Citation c, bool teams)
    {
        var appearance = new JsonObject
        {
            ["@type"] = "DigitalDocument",
            ["name"] = Name(c),
            ["abstract"] = TextCut.Ellipsis(c.Quote, MaxAbstractChars),
            ["text"] = $"> {MarkdownText.Escape(c.Quote)}\n\n" + (WebUrl.Safe(c.Url) is { } link
                ? $"[{MarkdownText.Escape(c.Title)}]({MarkdownText.Destination(link)})"
                : MarkdownText.Escape(c.Source)),
        };
        if (teams && WebUrl.Safe(c.Url) is { } url) appearance["url"] = url;
        return new JsonObject { ["@type"] = "Claim", ["position"] = c.Index, ["appearance"] = appearance };
    }

    /// <summary>As in every channel: the title, and the article's file in the corpus when there is no URL to open.</summary>
    private static string Name(Citation c) =>
        WebUrl.Safe(c.Url) is null ? $"{TextCut.Ellipsis(c.Title, MaxTitleChars - c.Source.Length - 3)} ({c.Source})" : TextCut.Ellipsis(c.Title, MaxTitleChars);
}
