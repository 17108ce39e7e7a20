using System.Globalization;
using QaBot.Answering;
using QaBot.Text;
using QaBot.Turns;

namespace QaBot.Channels.Slack;

/// <summary>A reply ready for chat.postMessage: mrkdwn blocks and the same content as the plain <c>text</c> fallback.</summary>
internal sealed record SlackReply(string Text, IReadOnlyList<SlackBlock> Blocks);

/// <summary>
/// Renders an <see cref="Answer"/> as a Slack message: the answer with [n] markers, a compact sources list, and 👍/👎
/// buttons whose value is the reference the answer is remembered under (see <see cref="SlackInteractivityEndpoint"/>).
/// </summary>
internal static class SlackAnswerRenderer
{
    // Slack rejects section and context texts over 3000 characters.
    private const int MaxBlockText = 3000;

    public static SlackReply Render(Answer answer, string voteReference)
    {
        var body = SlackMrkdwn.FromMarkdown(answer.MarkedText);
        var sources = answer.Citations.Select(Source).ToList();
        var notice = answer.Notice is null ? null : $"_{SlackMrkdwn.Escape(answer.Notice)}_";

        var blocks = new List<SlackBlock> { SlackBlock.Section(Fit(body)) };
        if (sources.Count > 0) blocks.Add(SlackBlock.Context(Fit("*Sources*\n" + string.Join('\n', sources))));
        if (notice is not null) blocks.Add(SlackBlock.Context(Fit(notice)));
        // A wrong decline is worth a thumbs-down too, so declines get the buttons as well; a refusal rates nothing.
        if (!answer.Refused)
        {
            blocks.Add(SlackBlock.Actions(SlackInteractivityEndpoint.VoteBlockId,
                new SlackButton(new SlackPlainText("👍"), SlackInteractivityEndpoint.UpActionId, voteReference, "Helpful answer"),
                new SlackButton(new SlackPlainText("👎"), SlackInteractivityEndpoint.DownActionId, voteReference, "Unhelpful answer")));
        }

        // Notifications and clients without Block Kit show only this, so it carries the sources too.
        var text = string.Join("\n\n", new[] { body, sources.Count > 0 ? "*Sources*\n" + string.Join('\n', sources) : null, notice }.OfType<string>());
        return new SlackReply(text, blocks);
    }

    public static SlackReply Failure() => new(TurnRunner.FailureText, [SlackBlock.Section(TurnRunner.FailureText)]);

    /// <summary>As in every channel: the title linked to the article's URL, or the title and its file in the corpus.</summary>
    private static string Source(Citation citation)
    {
        var link = WebUrl.Safe(citation.Url);
        var title = link is null ? $"*{SlackMrkdwn.Escape(citation.Title)}*" : SlackMrkdwn.Link(link, citation.Title);
        string?[] details = [link is null ? SlackMrkdwn.Escape(citation.Source) : null, citation.Published?.ToString("d MMM yyyy", CultureInfo.InvariantCulture)];
        var shown = details.OfType<string>().ToList();
        return $"[{citation.Index}] {title}" + (shown.Count > 0 ? $" ({string.Join(", ", shown)})" : "");
    }

    private static string Fit(string mrkdwn) => TextCut.Ellipsis(mrkdwn, MaxBlockText);
}
