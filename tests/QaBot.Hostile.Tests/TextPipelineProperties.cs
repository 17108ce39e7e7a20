using CsCheck;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Hostile.Tests.Infrastructure;
using QaBot.Ingestion;

namespace QaBot.Hostile.Tests;

/// <summary>Sentence splitting, article cleaning and chunking over hostile text: no exception, nothing lost, bounded, deterministic.</summary>
public sealed class TextPipelineProperties
{
    private static readonly Gen<ChunkingOptions> Options = Gen.Int[100, 1000].SelectMany(max =>
        Gen.Select(Gen.Int[0, max], Gen.Int[0, 5], (min, overlap) => new ChunkingOptions { MaxChars = max, MinChars = min, OverlapSentences = overlap }));

    /// <summary>A raw article: lines of hostile text separated by single or blank lines, maybe with labelled metadata lines.</summary>
    private static readonly Gen<string> Article = Gen.Frequency(
        (4, HostileText.Text),
        (1, Gen.OneOf("Post time: Feb-14-2025", "Original article: https://example.com/a", "Copyright 2025", "head_banner", "News", "")))
        .Array[1, 12]
        .Select(Gen.OneOf("\n", "\n\n", "\r\n", "\r"), (lines, separator) => string.Join(separator, lines));

    private static readonly Gen<string?> Title = Gen.Frequency((3, Gen.Const((string?)null)), (1, HostileText.Text.Select(t => (string?)t)));

    [Fact]
    public void Sentence_splitter_keeps_every_character_in_order()
    {
        Gen.Frequency((20, HostileText.Text), (1, HostileText.Megabyte)).Sample(text =>
        {
            var sentences = SentenceSplitter.Split(text).ToList();
            var previousEnd = 0;
            foreach (var s in sentences)
            {
                Assert.NotEqual("", s.Text);
                Assert.Equal(s.Text.Trim(), s.Text);
                Assert.True(s.Start >= previousEnd, "sentences overlap or go backwards");
                Assert.Equal(s.Text, text.Substring(s.Start, s.Text.Length));
                previousEnd = s.Start + s.Text.Length;
            }
            Assert.Equal(Coverage.NonWhitespace(text), string.Concat(sentences.Select(s => Coverage.NonWhitespace(s.Text))));
            Assert.Equal(sentences, SentenceSplitter.Split(text).ToList());
        }, iter: 300, print: Describe);
    }

    [Fact]
    public void Article_cleaner_gives_a_title_and_single_line_trimmed_paragraphs()
    {
        Gen.Select(Article, Title).Sample((text, title) =>
        {
            var document = ArticleCleaner.Clean(new RawDocument(text, title), "doc-1", "corpus/doc-1.txt");
            Assert.False(string.IsNullOrWhiteSpace(document.Title));
            foreach (var paragraph in document.Paragraphs)
            {
                Assert.NotEqual("", paragraph);
                Assert.Equal(paragraph.Trim(), paragraph);
                Assert.DoesNotContain('\n', paragraph);
                Assert.DoesNotContain('\r', paragraph);
            }
            Assert.Equivalent(document, ArticleCleaner.Clean(new RawDocument(text, title), "doc-1", "corpus/doc-1.txt"), strict: true);
        }, iter: 300, print: t => Describe(t.Item1));
    }

    [Fact]
    public void Chunks_respect_the_maximum_and_cover_the_cleaned_article_without_gaps()
    {
        Gen.Select(Article, Options).Sample((text, options) =>
        {
            var chunks = Chunk(text, options, out var document);
            Assert.All(chunks, c => Assert.InRange(c.Text.Length, 1, options.MaxChars));
            if (Coverage.IsWellFormedUtf16(text)) Assert.All(chunks, c => Assert.True(Coverage.IsWellFormedUtf16(c.Text), "a cut split a surrogate pair"));
            Assert.True(Coverage.IsCoveredWithoutGaps(string.Join("\n", document.Paragraphs), [.. chunks.Select(c => c.Text)]),
                "some non-whitespace text of the cleaned paragraphs is in no chunk, or chunks are out of order");
            Assert.Equal(chunks, Chunk(text, options, out _));
        }, iter: 300, print: t => $"{t.Item2.MaxChars}/{t.Item2.MinChars}/{t.Item2.OverlapSentences}: {Describe(t.Item1)}");
    }

    [Fact]
    public void A_megabyte_article_is_chunked_within_the_maximum()
    {
        Gen.Select(HostileText.Megabyte, Options).Sample((text, options) =>
        {
            var chunks = Chunk(text, options, out var document);
            Assert.All(chunks, c => Assert.InRange(c.Text.Length, 1, options.MaxChars));
            // The full placement search is quadratic on repetitive text this long; the cheap half of it still catches loss.
            var all = Coverage.NonWhitespace(string.Concat(document.Paragraphs));
            Assert.True(chunks.Sum(c => Coverage.NonWhitespace(c.Text).Length) >= all.Length, "chunks hold fewer characters than the article");
            Assert.StartsWith(Coverage.NonWhitespace(chunks[0].Text), all, StringComparison.Ordinal);
            Assert.EndsWith(Coverage.NonWhitespace(chunks[^1].Text), all, StringComparison.Ordinal);
        }, iter: 4, threads: 1, print: t => Describe(t.Item1));
    }

    [Fact]
    public void Chunks_and_titles_of_well_formed_text_are_well_formed()
    {
        var text = "a" + string.Concat(Enumerable.Repeat("\U0001F600", 60)); // 121 UTF-16 chars, no space: cut at 100 and 120, inside a 😀
        var chunks = Chunk(text, new ChunkingOptions { MaxChars = 100, MinChars = 0, OverlapSentences = 0 }, out var document);
        Assert.True(Coverage.IsWellFormedUtf16(document.Title), "ill-formed title");
        Assert.All(chunks, c => Assert.True(Coverage.IsWellFormedUtf16(c.Text), "ill-formed chunk"));
    }

    private static IReadOnlyList<Chunk> Chunk(string text, ChunkingOptions options, out SourceDocument document)
    {
        document = ArticleCleaner.Clean(new RawDocument(text), "doc-1", "corpus/doc-1.txt");
        return new Chunker(Microsoft.Extensions.Options.Options.Create(options)).Split(document);
    }

    private static string Describe(string text) =>
        $"{text.Length} chars: \"{(text.Length > 200 ? text[..200] + "…" : text).Replace("\n", "\\n", StringComparison.Ordinal)}\"";
}
