using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using WordText = DocumentFormat.OpenXml.Wordprocessing.Text;

namespace QaBot.Ingestion;

/// <summary>
/// Word documents (.docx, Open XML SDK): one paragraph per Word paragraph; the title from the document's properties, else
/// its first paragraph styled Title or Heading 1.
/// </summary>
public sealed class DocxReader : IDocumentReader
{
    public IReadOnlyCollection<string> Extensions { get; } = [".docx"];

    public Task<RawDocument> ReadAsync(string path, CancellationToken cancellationToken)
    {
        using var document = WordprocessingDocument.Open(path, isEditable: false);
        var paragraphs = document.MainDocumentPart?.Document?.Body?.Descendants<Paragraph>().ToList() ?? [];
        string? title = document.PackageProperties.Title is { Length: > 0 } t ? t.Trim() : null;
        var text = new List<string>();
        foreach (var paragraph in paragraphs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var line = string.Concat(paragraph.Descendants<WordText>().Select(x => x.Text)).Trim();
            if (line.Length == 0) continue;
            if (title is null && paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value is "Title" or "Heading1")
            {
                title = line;
                continue;
            }
            text.Add(line);
        }

        // Blank lines keep Word's paragraphs apart for the cleaner and the chunker.
        return Task.FromResult(new RawDocument(string.Join("\n\n", text), title));
    }
}
