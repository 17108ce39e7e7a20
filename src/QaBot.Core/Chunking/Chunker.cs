using System.Text;
using Microsoft.Extensions.Options;
using QaBot.Configuration;
using QaBot.Ingestion;
using QaBot.Text;

namespace QaBot.Chunking;

/// <summary>
/// Packs whole sentences into passages of at most <see cref="ChunkingOptions.MaxChars"/> characters, repeating the
/// last <see cref="ChunkingOptions.OverlapSentences"/> sentences at the start of the next passage so an answer that
/// spans a boundary is still found whole. Passages prefer to end at paragraph ends.
/// </summary>
public sealed class Chunker(IOptions<ChunkingOptions> options)
{
    public IReadOnlyList<Chunk> Split(SourceDocument document)
    {
        var o = options.Value;
        var sentences = new List<(string Text, bool ParagraphEnd)>();
        foreach (var paragraph in document.Paragraphs)
        {
            var parts = SentenceSplitter.Split(paragraph).SelectMany(s => HardWrap(s.Text, o.MaxChars)).ToList();
            for (var i = 0; i < parts.Count; i++) sentences.Add((parts[i], i == parts.Count - 1));
        }

        var chunks = new List<Chunk>();
        var start = 0;
        while (start < sentences.Count)
        {
            var end = start;
            var length = 0;
            while (end < sentences.Count)
            {
                var add = sentences[end].Text.Length + (end > start ? 1 : 0);
                if (end > start && length + add > o.MaxChars) break;
                length += add;
                end++;
                // Stop at a paragraph end when the passage is already substantial.
                if (sentences[end - 1].ParagraphEnd && length >= o.MinChars) break;
            }

            chunks.Add(Create(document, chunks.Count, sentences, start, end));
            if (end >= sentences.Count) break;
            // Overlap, but always move forward by at least one sentence.
            start = Math.Max(start + 1, end - o.OverlapSentences);
        }
        return chunks;
    }

    private static Chunk Create(SourceDocument d, int position, List<(string Text, bool ParagraphEnd)> sentences, int start, int end)
    {
        var sb = new StringBuilder();
        for (var i = start; i < end; i++)
        {
            if (i > start) sb.Append(sentences[i - 1].ParagraphEnd ? "\n" : " ");
            sb.Append(sentences[i].Text);
        }
        return new Chunk($"{d.Id}#{position}", d.Id, d.Title, d.SourcePath, d.Url, d.Published, position, sb.ToString());
    }

    /// <summary>
    /// A "sentence" longer than a passage (a table row, a run-on list, a file that is one long line) is cut at word
    /// boundaries. Pieces are taken by index from the one string, never by re-slicing the rest, so this stays linear.
    /// </summary>
    private static IEnumerable<string> HardWrap(string sentence, int max)
    {
        var start = 0;
        while (start < sentence.Length)
        {
            var end = TextCut.AtWord(sentence, start, max);
            var piece = sentence[start..end].Trim();
            if (piece.Length > 0) yield return piece;
            start = end;
            while (start < sentence.Length && char.IsWhiteSpace(sentence[start])) start++;
        }
    }
}
