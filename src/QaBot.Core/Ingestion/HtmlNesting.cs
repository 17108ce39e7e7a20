namespace QaBot.Ingestion;

/// <summary>
/// How deep markup nests, estimated in one linear pass before parsing: an HTML parser's tree building costs time in
/// proportion to the depth for every tag, so 100,000 nested <c>div</c>s take minutes (and deep trees risk the stack).
/// The estimate never undercounts real nesting by much: void elements, self-closed tags and the elements HTML closes
/// by itself when a sibling starts (p, li, td, …) do not count, nor do comments and the text of script and style.
/// </summary>
internal static class HtmlNesting
{
    private static readonly HashSet<string> NotNesting = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "keygen",
        "p", "li", "dt", "dd", "td", "th", "tr", "option", "optgroup", "rb", "rt", "rp",
    };

    private static readonly HashSet<string> RawText = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
    };

    /// <summary>Whether the markup nests deeper than <paramref name="limit"/>; stops reading as soon as it does.</summary>
    public static bool Exceeds(string html, int limit)
    {
        var depth = 0;
        var i = 0;
        while ((i = html.IndexOf('<', i)) >= 0 && i + 1 < html.Length)
        {
            if (string.CompareOrdinal(html, i, "<!--", 0, 4) == 0)
            {
                i = SkipPast(html, "-->", i + 4);
                continue;
            }
            var closing = html[i + 1] == '/';
            var nameStart = i + (closing ? 2 : 1);
            var nameEnd = nameStart;
            while (nameEnd < html.Length && (char.IsAsciiLetterOrDigit(html[nameEnd]) || html[nameEnd] == '-')) nameEnd++;
            if (nameEnd == nameStart || !char.IsAsciiLetter(html[nameStart]))
            {
                i++;
                continue;
            }
            var name = html[nameStart..nameEnd];
            var tagEnd = TagEnd(html, nameEnd);
            if (closing)
            {
                if (!NotNesting.Contains(name)) depth = Math.Max(0, depth - 1);
            }
            else if (RawText.Contains(name))
            {
                tagEnd = SkipPast(html, "</" + name, tagEnd);
            }
            else if (!NotNesting.Contains(name) && !SelfClosed(html, tagEnd) && ++depth > limit)
            {
                return true;
            }
            i = tagEnd;
        }
        return false;
    }

    /// <summary>Just past the '>' that ends a tag, skipping quoted attribute values; the end of the text when none does.</summary>
    private static int TagEnd(string html, int i)
    {
        char? quote = null;
        for (; i < html.Length; i++)
        {
            var c = html[i];
            if (quote is { } q)
            {
                if (c == q) quote = null;
            }
            else if (c is '"' or '\'') quote = c;
            else if (c == '>') return i + 1;
        }
        return html.Length;
    }

    private static bool SelfClosed(string html, int tagEnd) => tagEnd >= 2 && html[tagEnd - 1] == '>' && html[tagEnd - 2] == '/';

    private static int SkipPast(string html, string marker, int from)
    {
        var at = html.IndexOf(marker, from, StringComparison.OrdinalIgnoreCase);
        return at < 0 ? html.Length : at + marker.Length;
    }
}
