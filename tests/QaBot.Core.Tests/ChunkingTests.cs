using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Ingestion;

namespace QaBot.Core.Tests;

public class SentenceSplitterTests
{
    private static List<string> Split(string text) => SentenceSplitter.Split(text).Select(s => s.Text).ToList();

    [Fact]
    public void Splits_at_sentence_ends_followed_by_a_capital()
    {
        Assert.Equal(["Sales fell.", "Profits rose!", "Why?", "Nobody knows."], Split("Sales fell. Profits rose! Why? Nobody knows."));
    }

    [Theory]
    [InlineData("[citation needed]")]
    [InlineData("[12]")]
    [InlineData("[vague]")]
    public void A_reference_mark_after_the_period_stays_with_its_sentence(string mark)
    {
        const string First = "The TEU provides that commitments entered into by the member states between themselves before the treaty was signed no longer apply.";
        const string Second = "All EU member states are regarded as subject to the general obligation of the principle of cooperation.";

        Assert.Equal([First + mark, Second], Split($"{First}{mark} {Second}"));
    }

    [Fact]
    public void A_bracket_that_is_not_a_reference_mark_does_not_end_a_sentence() =>
        Assert.Equal(["He said.[and then, after a long pause that went on for some time, he left] Nothing more."], Split("He said.[and then, after a long pause that went on for some time, he left] Nothing more."));

    [Theory]
    [InlineData("Mr. Smith met Dr. Jones in London. They talked.", "Mr. Smith met Dr. Jones in London.")]
    [InlineData("He moved to the U.S. State officials agreed. Then he left.", "He moved to the U.S. State officials agreed.")]
    [InlineData("The book by J. K. Rowling sold well. It was a hit.", "The book by J. K. Rowling sold well.")]
    [InlineData("Honda's sales dropped by 24.2% this year. Toyota grew.", "Honda's sales dropped by 24.2% this year.")]
    [InlineData("Revenue was $3.5bn, up from 2.1. Analysts cheered.", "Revenue was $3.5bn, up from 2.1.")]
    [InlineData("The entire population of the Dutch Republic amounted to ca. 2 million at that time. Around 1700, it grew.", "The entire population of the Dutch Republic amounted to ca. 2 million at that time.")]
    [InlineData("They included Gallican Roman Catholics, such as Jacques Lefevre (c. 1455–1536). The Gallicans achieved independence.", "They included Gallican Roman Catholics, such as Jacques Lefevre (c. 1455–1536).")]
    [InlineData("Such explanations have been traced to Reguier de la Plancha (d. 1560), who offered an account. It was read.", "Such explanations have been traced to Reguier de la Plancha (d. 1560), who offered an account.")]
    public void Does_not_split_after_abbreviations_initials_or_inside_numbers(string text, string firstSentence)
    {
        var sentences = Split(text);
        Assert.Equal(2, sentences.Count);
        Assert.Equal(firstSentence, sentences[0]);
    }

    [Fact]
    public void An_abbreviation_that_stands_before_numbers_is_a_word_before_a_capital() =>
        Assert.Equal(["They had no plan b.", "Then it rained."], Split("They had no plan b. Then it rained."));

    [Fact]
    public void Keeps_closing_quotes_with_their_sentence()
    {
        Assert.Equal(["He said \"we are done.\"", "Then he left."], Split("He said \"we are done.\" Then he left."));
    }

    [Fact]
    public void Start_offsets_point_into_the_source_text()
    {
        const string text = "First one.   Second one. Third.";
        foreach (var s in SentenceSplitter.Split(text)) Assert.Equal(s.Text, text.Substring(s.Start, s.Text.Length));
    }
}

public class ChunkerTests
{
    private static Chunker Chunker(int max = 300, int min = 100, int overlap = 1) =>
        new(Options.Create(new ChunkingOptions { MaxChars = max, MinChars = min, OverlapSentences = overlap }));

    private static SourceDocument Document(params string[] paragraphs) =>
        new("corpus/story.txt", "Carmakers cut output", "corpus/story.txt", "https://example.com/story", new DateOnly(2025, 2, 14), paragraphs);

    /// <summary>Distinct, numbered sentences of about 60 characters, so any loss or duplication is visible.</summary>
    private static string[] Sentences(int count) =>
        Enumerable.Range(1, count).Select(i => $"Sentence number {i} says that the factory cut its output again.").ToArray();

    [Fact]
    public void Every_chunk_respects_the_maximum_size()
    {
        var chunks = Chunker(max: 300).Split(Document(string.Join(' ', Sentences(40))));
        Assert.True(chunks.Count > 5);
        Assert.All(chunks, c => Assert.InRange(c.Text.Length, 1, 300));
    }

    [Fact]
    public void Last_sentence_of_a_chunk_starts_the_next_one()
    {
        var chunks = Chunker(max: 300, overlap: 1).Split(Document(string.Join(' ', Sentences(40))));
        for (var i = 0; i + 1 < chunks.Count; i++)
        {
            var last = SentenceSplitter.Split(chunks[i].Text).Last().Text;
            var first = SentenceSplitter.Split(chunks[i + 1].Text).First().Text;
            Assert.Equal(last, first);
        }
    }

    [Fact]
    public void Chunks_cover_every_sentence_in_order()
    {
        var sentences = Sentences(40);
        var chunks = Chunker(max: 300, overlap: 1).Split(Document(string.Join(' ', sentences)));
        // Drop each chunk's overlapping first sentence: what remains is the document, once, in order.
        var seen = chunks.SelectMany((c, i) => SentenceSplitter.Split(c.Text).Select(s => s.Text).Skip(i == 0 ? 0 : 1)).ToList();
        Assert.Equal(sentences, seen);
    }

    [Fact]
    public void Without_overlap_no_sentence_repeats()
    {
        var sentences = Sentences(30);
        var chunks = Chunker(max: 300, overlap: 0).Split(Document(string.Join(' ', sentences)));
        Assert.Equal(sentences, chunks.SelectMany(c => SentenceSplitter.Split(c.Text).Select(s => s.Text)));
    }

    [Fact]
    public void A_sentence_longer_than_a_chunk_is_cut_at_word_boundaries()
    {
        var words = Enumerable.Range(1, 300).Select(i => $"word{i}").ToArray();
        var huge = string.Join(' ', words);
        var chunks = Chunker(max: 200, min: 0, overlap: 0).Split(Document(huge));
        Assert.True(chunks.Count >= 5);
        Assert.All(chunks, c => Assert.True(c.Text.Length <= 200, $"{c.Text.Length} chars"));
        // No word is split or lost.
        Assert.Equal(words, chunks.SelectMany(c => c.Text.Split(' ')));
    }

    [Theory]
    [InlineData("carmakers cut output again ")]
    [InlineData("x")]
    public void A_five_megabyte_line_is_cleaned_and_cut_in_linear_time(string unit)
    {
        // A regression guard for cutting that re-copied the rest of the line per passage (94 s for 5 MB), not a benchmark.
        var line = new StringBuilder(5_300_000);
        while (line.Length < 5_000_000) line.Append(unit);
        var text = line.ToString();

        var stopwatch = Stopwatch.StartNew();
        var document = ArticleCleaner.Clean(new RawDocument(text), "corpus/line.txt", "corpus/line.txt");
        var chunks = Chunker(max: 500, min: 200, overlap: 1).Split(document);
        stopwatch.Stop();

        // Alone it takes a small fraction of a second; the bound leaves room for a busy machine and parallel tests.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.ElapsedMilliseconds} ms");
        Assert.All(chunks, c => Assert.InRange(c.Text.Length, 1, 500));
        // Every piece is nearly full: nothing is lost and the line is not cut into slivers.
        Assert.InRange(chunks.Count, text.Length / 500, text.Length / 400);
    }

    [Fact]
    public void Prefers_to_end_a_chunk_at_a_paragraph_end()
    {
        var p1 = string.Join(' ', Sentences(3)); // ~190 chars: past MinChars, so the chunk stops here.
        var p2 = string.Join(' ', Sentences(2).Select(s => s.Replace("factory", "plant")));
        var chunks = Chunker(max: 500, min: 150, overlap: 0).Split(Document(p1, p2));
        Assert.Equal(2, chunks.Count);
        Assert.Equal(p1, chunks[0].Text);
        Assert.Equal(p2, chunks[1].Text);
    }

    [Fact]
    public void Chunks_carry_the_document_metadata_and_their_position()
    {
        var document = Document(string.Join(' ', Sentences(20)));
        var chunks = Chunker().Split(document);
        Assert.True(chunks.Count > 1);
        for (var i = 0; i < chunks.Count; i++)
        {
            var c = chunks[i];
            Assert.Equal($"corpus/story.txt#{i}", c.Id);
            Assert.Equal(i, c.Position);
            Assert.Equal("corpus/story.txt", c.DocumentId);
            Assert.Equal("Carmakers cut output", c.Title);
            Assert.Equal("corpus/story.txt", c.SourcePath);
            Assert.Equal("https://example.com/story", c.Url);
            Assert.Equal(new DateOnly(2025, 2, 14), c.Published);
            // The title travels with the indexed text as context.
            Assert.Equal("Carmakers cut output\n" + c.Text, c.IndexText);
        }
    }

    [Fact]
    public void An_empty_document_gives_no_chunks()
    {
        Assert.Empty(Chunker().Split(Document()));
    }
}
