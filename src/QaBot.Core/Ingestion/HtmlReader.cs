using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using QaBot.Text;

namespace QaBot.Ingestion;

/// <summary>
/// HTML via AngleSharp: title, canonical URL and publication date from the head; text from the article body. Parsing
/// and the walk over the tree stop when the read is cancelled, which is how the loader's per-file
/// time budget (QaBot:Ingestion:MaxReadSeconds) ends markup that nests past what the depth estimate sees.
/// </summary>
public sealed class HtmlReader : IDocumentReader
{
    private static readonly string[] NonContent = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg"];

    /// <summary>Far deeper than any real page nests; past it parsing time grows with the square of the depth.</summary>
    public const int MaxDepth = 256;

    public IReadOnlyCollection<string> Extensions { get; } = [".html", ".htm"];

    public async Task<RawDocument> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var html = TextFile.Read(path, cancellationToken);
        if (HtmlNesting.Exceeds(html, MaxDepth)) throw new FileSkippedException($"its markup nests deeper than {MaxDepth} elements");
        var document = await new HtmlParser().ParseDocumentAsync(html, cancellationToken);

        var title = Meta(document, "og:title") ?? document.QuerySelector("h1")?.TextContent.Trim() ?? document.Title?.Trim();
        var url = WebUrl.Safe(document.QuerySelector("link[rel=canonical]")?.GetAttribute("href")) ?? WebUrl.Safe(Meta(document, "og:url"));
        var date = Meta(document, "article:published_time") ?? Meta(document, "date")
            ?? document.QuerySelector("time[datetime]")?.GetAttribute("datetime");

        var root = document.QuerySelector("article") ?? document.QuerySelector("main") ?? document.Body;
        if (root is null) return new RawDocument("", title, url, DateParsing.TryParse(date));
        foreach (var element in root.QuerySelectorAll(string.Join(',', NonContent)).ToList()) element.Remove();

        var blocks = root.QuerySelectorAll("p, li, h2, h3, h4, blockquote, pre, td")
            .Where(e =>
            {
                // Each block looks up its ancestors: on a deep tree this walk costs as much as parsing.
                cancellationToken.ThrowIfCancellationRequested();
                return !e.Ancestors<IElement>().Any(a => a.LocalName is "p" or "li" or "blockquote");
            })
            .Select(e => Collapse(e.TextContent))
            .Where(t => t.Length > 0)
            .ToList();
        var text = blocks.Count > 0 ? string.Join("\n\n", blocks) : Collapse(root.TextContent);
        return new RawDocument(text, string.IsNullOrWhiteSpace(title) ? null : title, url, DateParsing.TryParse(date));
    }

    private static string? Meta(IDocument document, string name) =>
        document.QuerySelector($"meta[property='{name}'], meta[name='{name}']")?.GetAttribute("content")?.Trim() is { Length: > 0 } v ? v : null;

    private static string Collapse(string s) => string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
