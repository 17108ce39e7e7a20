using System.Text.RegularExpressions;
using QaBot.Chunking;
using QaBot.Text;

namespace QaBot.Ingestion;

/// <summary>
/// Turns raw article text into a <see cref="SourceDocument"/>: pulls the publication date and source URL out of
/// labelled lines ("Post time: Feb-14-2025", "Original article: https://..."), drops site chrome (navigation labels
/// before the title, disclaimers after the body), and finds the title, or uses the first sentence when there is none.
/// </summary>
public static partial class ArticleCleaner
{
    private const int MaxTitleWords = 30;
    private const int FallbackTitleChars = 120;

    public static SourceDocument Clean(RawDocument raw, string id, string sourcePath)
    {
        var url = WebUrl.Safe(raw.Url);
        var published = raw.Published;
        var paragraphs = new List<string>();
        var current = new List<string>();

        foreach (var rawLine in raw.Text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = WithoutControls(rawLine).Trim();
            if (line.Length == 0)
            {
                Flush();
                continue;
            }
            if (TryMetadata(line, ref url, ref published) || IsTrailingBoilerplate(line))
            {
                Flush();
                continue;
            }
            current.Add(line);
        }
        Flush();

        DropLeadingNavigation(paragraphs);

        var title = raw.Title is null ? null : WithoutControls(raw.Title).Trim();
        if (!string.IsNullOrEmpty(title))
        {
            if (paragraphs.Count > 0 && string.Equals(paragraphs[0], title, StringComparison.OrdinalIgnoreCase)) paragraphs.RemoveAt(0);
        }
        else if (paragraphs.Count > 1 && IsHeading(paragraphs[0]))
        {
            title = paragraphs[0];
            paragraphs.RemoveAt(0);
        }
        else if (paragraphs.Count > 0)
        {
            title = FirstSentence(paragraphs[0]);
        }
        if (string.IsNullOrWhiteSpace(title)) title = Path.GetFileNameWithoutExtension(sourcePath);

        return new SourceDocument(id, title, sourcePath, url, published, paragraphs);

        void Flush()
        {
            if (current.Count == 0) return;
            paragraphs.Add(string.Join(' ', current));
            current.Clear();
        }
    }

    /// <summary>
    /// Control characters (ESC sequences, BEL, NUL, C1) become spaces: article text reaches terminals, logs and chat
    /// clients, and nothing in an article needs them.
    /// </summary>
    private static string WithoutControls(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\0', '\u001f') && !text.AsSpan().ContainsAnyInRange('\u007f', '\u009f')) return text;
        return string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++) span[i] = char.IsControl(source[i]) ? ' ' : source[i];
        });
    }

    private static bool TryMetadata(string line, ref string? url, ref DateOnly? published)
    {
        var date = DateLine().Match(line);
        if (date.Success && DateParsing.TryParse(date.Groups["v"].Value) is { } d)
        {
            published ??= d;
            return true;
        }
        var source = UrlLine().Match(line);
        if (source.Success)
        {
            url ??= WebUrl.Safe(source.Groups["u"].Value);
            return true;
        }
        return false;
    }

    private static bool IsTrailingBoilerplate(string line) => line.Length < 300 && Boilerplate().IsMatch(line);

    /// <summary>
    /// Site chrome before the title: identifier-like tokens ("head_banner") and short section labels ("News")
    /// that are followed by another heading. A short real title is followed by body text, so it stays.
    /// </summary>
    private static void DropLeadingNavigation(List<string> paragraphs)
    {
        while (paragraphs.Count > 1)
        {
            var first = paragraphs[0];
            var identifier = !first.Contains(' ') && first.Contains('_');
            var label = WordCount(first) <= 2 && !EndsSentence(first) && IsHeading(paragraphs[1]);
            if (!identifier && !label) return;
            paragraphs.RemoveAt(0);
        }
    }

    private static bool IsHeading(string paragraph) =>
        WordCount(paragraph) <= MaxTitleWords && !EndsSentence(paragraph) && !paragraph.EndsWith(':');

    private static bool EndsSentence(string s) => s.Length > 0 && s[^1] is '.' or '!' or ';' or ',' or '"' or '”' && !s.EndsWith("...", StringComparison.Ordinal);

    private static int WordCount(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    private static string FirstSentence(string paragraph)
    {
        var sentence = SentenceSplitter.Split(paragraph).FirstOrDefault().Text ?? paragraph;
        sentence = sentence.TrimEnd('.', ' ');
        if (sentence.Length <= FallbackTitleChars) return sentence;
        var cut = sentence.LastIndexOf(' ', FallbackTitleChars);
        return sentence[..(cut > 0 ? cut : TextCut.Safe(sentence, FallbackTitleChars))] + "…";
    }

    [GeneratedRegex(@"^(?:post(?:ed)?(?:\s+(?:time|on|at|date))?|published(?:\s+(?:on|at))?|publication\s+date|date(?:\s+posted)?)\s*[:：]?\s*(?<v>.{6,40})$", RegexOptions.IgnoreCase)]
    private static partial Regex DateLine();

    [GeneratedRegex(@"^(?:(?:original(?:\s+article)?|source|url|link|read\s+(?:more|the\s+original)|via)\s*[:：]\s*)?(?<u>https?://\S+)$", RegexOptions.IgnoreCase)]
    private static partial Regex UrlLine();

    [GeneratedRegex(@"^(?:statement|disclaimer|copyright|©|all rights reserved|tags?|share this|related (?:articles|posts|stories)|advertisement|subscribe|follow us)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Boilerplate();
}
