using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace QaBot.Ingestion;

/// <summary>
/// PDF via PdfPig: text in reading order, one paragraph per block, without the running headers and footers repeated
/// on every page; the document's Title property when set.
/// </summary>
public sealed class PdfReader : IDocumentReader
{
    public IReadOnlyCollection<string> Extensions { get; } = [".pdf"];

    public Task<RawDocument> ReadAsync(string path, CancellationToken cancellationToken)
    {
        using var pdf = PdfDocument.Open(path);
        var pages = new List<string>();
        foreach (var page in pdf.GetPages())
        {
            cancellationToken.ThrowIfCancellationRequested();
            pages.Add(ContentOrderTextExtractor.GetText(page));
        }
        var title = string.IsNullOrWhiteSpace(pdf.Information.Title) ? null : pdf.Information.Title.Trim();
        return Task.FromResult(new RawDocument(string.Join("\n\n", WithoutRunningHeads(pages)), title));
    }

    /// <summary>
    /// Drops page headers and footers: a first or last line of a page that recurs, page numbers and dates aside, on at
    /// least half the pages (and on two or more) is layout, not text.
    /// </summary>
    internal static IEnumerable<string> WithoutRunningHeads(IReadOnlyList<string> pages)
    {
        var lines = pages.Select(p => p.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList()).ToList();
        var edges = lines.SelectMany(l => l.Take(1).Concat(l.TakeLast(1)).Select(Shape).Distinct()).CountBy(x => x).ToDictionary();
        var threshold = Math.Max(2, (pages.Count + 1) / 2);
        return lines.Select(page =>
        {
            var kept = page.ToList();
            while (kept.Count > 0 && edges.GetValueOrDefault(Shape(kept[0])) >= threshold) kept.RemoveAt(0);
            while (kept.Count > 0 && edges.GetValueOrDefault(Shape(kept[^1])) >= threshold) kept.RemoveAt(kept.Count - 1);
            return string.Join('\n', kept);
        });

        static string Shape(string line) => new(line.Select(c => char.IsDigit(c) ? '#' : c).ToArray());
    }
}
