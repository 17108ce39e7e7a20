using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace QaBot.Ingestion;

/// <summary>PDF via PdfPig: text in reading order, one paragraph per block; the document's Title property when set.</summary>
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
        return Task.FromResult(new RawDocument(string.Join("\n\n", pages), title));
    }
}
