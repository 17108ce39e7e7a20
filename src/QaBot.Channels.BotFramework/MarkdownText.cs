using System.Text;
using System.Text.RegularExpressions;

namespace QaBot.Channels.BotFramework;

/// <summary>
/// Article text inside a markdown reply shows as written: an article (or a model quoting one) must not be able to put
/// a link, an image, HTML or formatting into the bot's message.
/// </summary>
internal static partial class MarkdownText
{
    /// <summary>Backslash-escapes the characters that open links, images, HTML, emphasis and code spans (CommonMark escapes).</summary>
    public static string Escape(string text) => Special().Replace(text, @"\$0");

    /// <summary>
    /// <paramref name="text"/> escaped, except its citation markers [1]…[<paramref name="citations"/>], which stay markers
    /// for Web Chat to pair with the link definitions of the same number.
    /// </summary>
    public static string EscapeKeepingMarkers(string text, int citations)
    {
        var result = new StringBuilder(text.Length + 16);
        var last = 0;
        foreach (Match marker in Marker().Matches(text))
        {
            if (!int.TryParse(marker.Groups[1].ValueSpan, out var n) || n < 1 || n > citations) continue;
            result.Append(Escape(text[last..marker.Index])).Append(marker.Value);
            last = marker.Index + marker.Length;
        }
        return result.Append(Escape(text[last..])).ToString();
    }

    /// <summary>A link destination: parentheses percent-encoded so an address cannot end the link early.</summary>
    public static string Destination(string url) =>
        url.Replace("(", "%28", StringComparison.Ordinal).Replace(")", "%29", StringComparison.Ordinal);

    [GeneratedRegex(@"[\\`*_\[\]<>~]")]
    private static partial Regex Special();

    [GeneratedRegex(@"\[(\d{1,3})\]")]
    private static partial Regex Marker();
}
