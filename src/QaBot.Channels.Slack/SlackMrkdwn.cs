using System.Text;
using System.Text.RegularExpressions;

namespace QaBot.Channels.Slack;

/// <summary>Slack's mrkdwn: escaping of its three control characters and translation of the CommonMark a model may write.</summary>
internal static partial class SlackMrkdwn
{
    // Never occurs in text; holds a bold marker while single-star italics are rewritten.
    private const char BoldMark = '\u0001';

    /// <summary>Slack decodes only these three entities, so only these are encoded.</summary>
    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>Slack's text as a user typed it: entities decoded, <c>&lt;url|label&gt;</c> shown as its label.</summary>
    public static string Unescape(string text) =>
        SlackLink().Replace(text, m => m.Groups["label"].Success ? m.Groups["label"].Value : m.Groups["url"].Value)
            .Replace("&lt;", "<", StringComparison.Ordinal)
            .Replace("&gt;", ">", StringComparison.Ordinal)
            .Replace("&amp;", "&", StringComparison.Ordinal);

    /// <summary>A link <c>&lt;url|label&gt;</c>; a '|' or '&gt;' in the address would end it early, so they are percent-encoded.</summary>
    public static string Link(string url, string label) =>
        $"<{Escape(url).Replace("|", "%7C", StringComparison.Ordinal)}|{Escape(label)}>";

    /// <summary>
    /// Converts CommonMark (bold, italics, strike-through, headings, bullets) to escaped mrkdwn. A link shows its label
    /// and its address, never a label alone: answer text comes from articles, which must not hide where a link goes.
    /// </summary>
    public static string FromMarkdown(string markdown)
    {
        var result = new StringBuilder(markdown.Length + 16);
        var last = 0;
        foreach (Match link in MarkdownLink().Matches(markdown))
        {
            result.Append(ConvertInline(markdown[last..link.Index]));
            result.Append(Escape(link.Groups["label"].Value)).Append(" (").Append(Escape(link.Groups["url"].Value)).Append(')');
            last = link.Index + link.Length;
        }

        result.Append(ConvertInline(markdown[last..]));
        return result.ToString();
    }

    private static string ConvertInline(string text)
    {
        var escaped = Escape(text);
        escaped = Heading().Replace(escaped, $"{BoldMark}$1{BoldMark}");
        escaped = Bullet().Replace(escaped, "$1• ");
        escaped = DoubleStar().Replace(escaped, $"{BoldMark}$1{BoldMark}");
        escaped = DoubleUnderscore().Replace(escaped, $"{BoldMark}$1{BoldMark}");
        escaped = SingleStar().Replace(escaped, "_$1_");
        escaped = Strike().Replace(escaped, "~$1~");
        return escaped.Replace(BoldMark, '*');
    }

    [GeneratedRegex(@"!?\[(?<label>[^\]\n]+)\]\((?<url>[^\s)]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"<(?<url>[^|>\s]+)(?:\|(?<label>[^>]*))?>")]
    private static partial Regex SlackLink();

    [GeneratedRegex(@"^#{1,6}[ \t]+(.+?)[ \t]*#*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"^([ \t]*)[-*+][ \t]+", RegexOptions.Multiline)]
    private static partial Regex Bullet();

    [GeneratedRegex(@"\*\*(?=\S)(.+?)(?<=\S)\*\*")]
    private static partial Regex DoubleStar();

    [GeneratedRegex(@"__(?=\S)(.+?)(?<=\S)__")]
    private static partial Regex DoubleUnderscore();

    [GeneratedRegex(@"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")]
    private static partial Regex SingleStar();

    [GeneratedRegex(@"~~(?=\S)(.+?)(?<=\S)~~")]
    private static partial Regex Strike();
}
