using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Core.Tests.Infrastructure;
using QaBot.Ingestion;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using W = DocumentFormat.OpenXml.Wordprocessing;

namespace QaBot.Core.Tests;

public class IngestionTests
{
    private static DocumentLoader Loader(params string[] excludePatterns) => new(
        [new PlainTextReader(), new MarkdownReader(), new HtmlReader(), new PdfReader(), new DocxReader()],
        new DocumentCatalog(),
        Options.Create(new IngestionOptions { ExcludeFilePatterns = [.. excludePatterns] }),
        NullLogger<DocumentLoader>.Instance);

    private static async Task<SourceDocument> LoadOne(string path)
    {
        var documents = await Loader().LoadAsync([path]);
        return Assert.Single(documents);
    }

    private static IReadOnlyList<Chunk> Chunks(SourceDocument document) =>
        new Chunker(Options.Create(new ChunkingOptions())).Split(document);

    [Fact]
    public async Task First_seed_gets_its_title_and_date_and_loses_the_site_chrome()
    {
        var documents = await Loader().LoadAsync([RepositoryPaths.Seeds]);
        var nissan = documents.Single(d => d.Id.Contains(Seeds.NissanFile, StringComparison.Ordinal));

        Assert.Equal("seeds/" + Seeds.NissanFile + ".txt", nissan.Id);
        Assert.Equal(Seeds.NissanTitle, nissan.Title);
        Assert.Equal(new DateOnly(2025, 2, 14), nissan.Published);
        Assert.StartsWith("Entering 2024", nissan.Paragraphs[0], StringComparison.Ordinal);
        foreach (var chunk in Chunks(nissan))
        {
            Assert.DoesNotContain("head_banner", chunk.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("Post time", chunk.Text, StringComparison.Ordinal);
            Assert.False(chunk.Text.Split('\n').Any(line => line.Trim() == "News"), "the 'News' navigation label survived");
            Assert.DoesNotContain(Seeds.NissanTitle, chunk.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Second_seed_gets_its_url_and_loses_the_disclaimer()
    {
        var documents = await Loader().LoadAsync([RepositoryPaths.Seeds]);
        Assert.Equal(2, documents.Count);
        var honda = documents.Single(d => d.Id.Contains(Seeds.HondaFile, StringComparison.Ordinal));

        Assert.Contains("Japanese friend told me", honda.Title, StringComparison.Ordinal);
        Assert.Equal("https://www.toutiao.com/article/1837622667907080/", honda.Url);
        Assert.EndsWith(Seeds.HondaFile + ".txt", honda.SourcePath, StringComparison.Ordinal);
        foreach (var chunk in Chunks(honda))
        {
            Assert.DoesNotContain("Statement:", chunk.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("Original article", chunk.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("toutiao.com", chunk.Text, StringComparison.Ordinal);
        }
        Assert.Contains(Chunks(honda), c => c.Text.Contains("Honda's sales dropped by 24.2%", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_under_two_of_the_given_roots_is_read_once()
    {
        var file = Path.Combine(RepositoryPaths.Seeds, Seeds.NissanFile + ".txt");

        var documents = await Loader().LoadAsync([RepositoryPaths.Seeds, file]);
        var reversed = await Loader().LoadAsync([file, RepositoryPaths.Seeds]);

        Assert.Equal(2, documents.Count);
        Assert.Equal(2, reversed.Count);
    }

    [Fact]
    public async Task A_file_that_is_not_utf8_is_read_as_latin1()
    {
        using var folder = new TempFolder();
        var bytes = Encoding.ASCII.GetBytes("Chelsea paid a fee of ").Concat(new byte[] { 0xA3 }).Concat(Encoding.ASCII.GetBytes("15.8m for the striker.\n")).ToArray();
        var document = await LoadOne(folder.Write("fee.txt", bytes));
        Assert.Contains("£15.8m", string.Join(' ', document.Paragraphs), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_utf8_file_with_one_stray_byte_stays_utf8_and_loses_only_that_byte()
    {
        using var folder = new TempFolder();
        // The seed article's curly apostrophes are UTF-8; one byte that is not must not turn them all into mojibake.
        var text = File.ReadAllBytes(Path.Combine(RepositoryPaths.Seeds, Seeds.NissanFile + ".txt"));
        var document = await LoadOne(folder.Write("mixed.txt", [.. text, .. "\nOne stray byte "u8, 0xFF, .. " here.\n"u8]));
        Assert.Equal(Seeds.NissanTitle, document.Title);
        Assert.Contains("One stray byte \uFFFD here.", string.Join(' ', document.Paragraphs), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_utf8_file_with_a_byte_order_mark_keeps_its_characters()
    {
        using var folder = new TempFolder();
        var path = folder.Write("bom.txt", Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("Prices rose to €5 and £4 today.\n")).ToArray());
        var document = await LoadOne(path);
        Assert.Equal("Prices rose to €5 and £4 today.", Assert.Single(document.Paragraphs));
    }

    [Fact]
    public async Task Markdown_takes_its_title_from_the_first_heading_and_drops_markup()
    {
        using var folder = new TempFolder();
        var path = folder.Write("story.md", """
            # Chip sales surge

            Sales of **memory chips** rose by _12%_ according to [the report](https://example.com/r).

            ## Outlook

            - Analysts expect growth to continue.
            """);
        var document = await LoadOne(path);
        var body = string.Join('\n', document.Paragraphs);

        Assert.Equal("Chip sales surge", document.Title);
        Assert.Contains("Sales of memory chips rose by 12% according to the report.", body, StringComparison.Ordinal);
        Assert.Contains("Analysts expect growth to continue.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("**", body, StringComparison.Ordinal);
        Assert.DoesNotContain("https://example.com/r", body, StringComparison.Ordinal);
        Assert.DoesNotContain("# ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Html_reads_title_canonical_url_and_date_from_the_head_and_text_from_the_article()
    {
        using var folder = new TempFolder();
        var path = folder.Write("page.html", """
            <!DOCTYPE html>
            <html><head>
              <title>Site name | Some page</title>
              <link rel="canonical" href="https://news.example.com/markets/chips">
              <meta property="article:published_time" content="2024-03-05T10:00:00Z">
              <script>var tracking = "beacon";</script>
            </head><body>
              <nav><a href="/">Home</a> <a href="/sport">Sport navigation</a></nav>
              <article>
                <h1>Chip makers report record sales</h1>
                <p>Chip makers sold more <b>memory</b> than ever in March.</p>
                <script>window.adSlot = "advert-slot";</script>
                <aside>Related: celebrity gossip</aside>
                <p>Analysts expect demand to keep rising.</p>
              </article>
              <footer>Copyright footer text</footer>
            </body></html>
            """);
        var document = await LoadOne(path);
        var body = string.Join('\n', document.Paragraphs);

        Assert.Equal("Chip makers report record sales", document.Title);
        Assert.Equal("https://news.example.com/markets/chips", document.Url);
        Assert.Equal(new DateOnly(2024, 3, 5), document.Published);
        Assert.Contains("Chip makers sold more memory than ever in March.", body, StringComparison.Ordinal);
        Assert.Contains("Analysts expect demand to keep rising.", body, StringComparison.Ordinal);
        foreach (var chrome in new[] { "Sport navigation", "advert-slot", "beacon", "celebrity gossip", "Copyright footer" })
        {
            Assert.DoesNotContain(chrome, body, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("javascript:alert(document.cookie)", "https://news.example.com/cars", "https://news.example.com/cars")]
    [InlineData("javascript:alert(document.cookie)", "data:text/html,x", null)]
    [InlineData("file:///etc/passwd", null, null)]
    [InlineData("https://news.example.com/a b", null, "https://news.example.com/a%20b")]
    public async Task Html_keeps_only_an_http_canonical_url(string canonical, string? ogUrl, string? expected)
    {
        using var folder = new TempFolder();
        var og = ogUrl is null ? "" : $"<meta property=\"og:url\" content=\"{ogUrl}\">";
        var path = folder.Write("page.html", $"<html><head><link rel=\"canonical\" href=\"{canonical}\">{og}</head><body><p>Car sales fell by 5% in March.</p></body></html>");
        Assert.Equal(expected, (await LoadOne(path)).Url);
    }

    [Fact]
    public void The_cleaner_turns_control_characters_into_spaces()
    {
        var raw = new RawDocument("Sales\u001b[2J fell\u0007 by 5%\u0000 in\u0085 March.\tTruly.", Title: "Cars\u001b]0;owned\u0007");
        var document = ArticleCleaner.Clean(raw, "c/1.txt", "c/1.txt");
        Assert.Equal("Cars ]0;owned", document.Title);
        Assert.Equal(["Sales [2J fell  by 5%  in March. Truly."], document.Paragraphs);
    }

    [Fact]
    public void The_cleaner_drops_a_url_that_is_not_http()
    {
        var document = ArticleCleaner.Clean(new RawDocument("Car sales fell by 5% in March.", Url: "javascript:alert(1)"), "c/1.txt", "c/1.txt");
        Assert.Null(document.Url);
    }

    [Fact]
    public async Task Pdf_text_and_title_are_read()
    {
        using var folder = new TempFolder();
        var builder = new PdfDocumentBuilder();
        builder.DocumentInformation.Title = "Quarterly results";
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var page = builder.AddPage(PageSize.A4);
        page.AddText("Revenue rose by 7% in the quarter.", 12, new PdfPoint(50, 700), font);
        var document = await LoadOne(folder.Write("results.pdf", builder.Build()));

        Assert.Equal("Quarterly results", document.Title);
        Assert.Contains("Revenue rose by 7% in the quarter.", string.Join(' ', document.Paragraphs), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pdf_running_headers_and_page_numbers_are_dropped()
    {
        using var folder = new TempFolder();
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        string[] bodies = ["Revenue rose by 7% in the quarter.", "Costs fell by 3% as the plant closed.", "The board kept its dividend unchanged."];
        for (var i = 0; i < bodies.Length; i++)
        {
            var page = builder.AddPage(PageSize.A4);
            page.AddText("Report.txt.src Tue Dec 01 2026", 10, new PdfPoint(50, 800), font);
            page.AddText(bodies[i], 12, new PdfPoint(50, 700), font);
            page.AddText($"Page {i + 1}", 10, new PdfPoint(50, 40), font);
        }
        var document = await LoadOne(folder.Write("report.pdf", builder.Build()));

        var text = string.Join('\n', document.Paragraphs);
        Assert.All(bodies, b => Assert.Contains(b, text, StringComparison.Ordinal));
        Assert.DoesNotContain("Report.txt.src", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Page 2", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("story.md", "# Plant closes\n\n## Sales outlook\n\nRevenue rose by 7% in the quarter, the company said.\n")]
    [InlineData("story.html", "<html><body><article><h1>Plant closes</h1><p>3 March 2023</p><p>Revenue rose by 7% in the quarter, the company said.</p></article></body></html>")]
    public async Task Subtitles_and_bylines_stay_out_of_the_sentence_that_follows(string file, string content)
    {
        using var folder = new TempFolder();
        var document = await LoadOne(folder.Write(file, content));
        var sentences = Chunks(document).SelectMany(c => c.Sentences()).ToList();
        Assert.Contains("Revenue rose by 7% in the quarter, the company said.", sentences);
    }

    [Fact]
    public void Exclude_patterns_skip_files_and_unsupported_extensions_are_ignored()
    {
        using var folder = new TempFolder();
        folder.Write("README.txt", "About this corpus.");
        folder.Write("readme-2.md", "# About");
        folder.Write("story.txt", "A story.");
        folder.Write("image.png", "not text");
        var files = Loader("README*").FindFiles([folder.Path]);
        var file = Assert.Single(files);
        Assert.EndsWith("story.txt", file.Path, StringComparison.Ordinal);
        Assert.Equal(Path.GetFileName(folder.Path) + "/story.txt", file.Id);
    }

    [Fact]
    public async Task Files_in_subfolders_are_found_with_relative_ids()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "tech"));
        folder.Write(Path.Combine("tech", "001.txt"), "Chips\n\nChip sales rose.");
        var document = Assert.Single(await Loader().LoadAsync([folder.Path]));
        Assert.Equal(Path.GetFileName(folder.Path) + "/tech/001.txt", document.Id);
    }

    [Fact]
    public void A_missing_folder_is_an_error_naming_its_path()
    {
        var missing = Path.Combine(Path.GetTempPath(), "qabot-no-such-folder-" + Guid.NewGuid().ToString("N"));
        var error = Assert.Throws<DirectoryNotFoundException>(() => Loader().FindFiles([missing]));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Word_document_is_read_with_its_title_and_paragraphs()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "teapots.docx");
        using (var word = WordprocessingDocument.Create(path, WordprocessingDocumentType.Document))
        {
            var body = new W.Body(
                new W.Paragraph(new W.ParagraphProperties(new W.ParagraphStyleId { Val = "Title" }), new W.Run(new W.Text("Zorblax teapot exports"))),
                new W.Paragraph(new W.Run(new W.Text("The Zorblax company said its teapot exports rose by 37.5% in March."))),
                new W.Paragraph(new W.Run(new W.Text("Its factory in Lyon ") { Space = SpaceProcessingModeValues.Preserve }, new W.Text("added a second shift."))));
            word.AddMainDocumentPart().Document = new W.Document(body);
        }

        var document = await LoadOne(path);

        Assert.Equal("Zorblax teapot exports", document.Title);
        Assert.Equal(["The Zorblax company said its teapot exports rose by 37.5% in March.", "Its factory in Lyon added a second shift."], document.Paragraphs);
    }

    [Fact]
    public async Task An_unreadable_file_does_not_stop_the_rest()
    {
        using var folder = new TempFolder();
        folder.Write("broken.pdf", "this is not a pdf");
        folder.Write("good.txt", "Good news\n\nThe factory reopened.");
        var document = Assert.Single(await Loader().LoadAsync([folder.Path]));
        Assert.Equal("Good news", document.Title);
    }
}

public class DateParsingTests
{
    [Theory]
    [InlineData("Feb-14-2025")]
    [InlineData("14 February 2025")]
    [InlineData("February 14, 2025")]
    [InlineData("14th February 2025")]
    [InlineData("2025-02-14")]
    [InlineData("2025-02-14T10:00:00Z")]
    [InlineData("Feb 14, 2025 10:32 AM")]
    public void Article_date_formats_parse(string text)
    {
        Assert.Equal(new DateOnly(2025, 2, 14), DateParsing.TryParse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("not a date at all")]
    public void Non_dates_give_null(string text)
    {
        Assert.Null(DateParsing.TryParse(text));
    }

    [Fact]
    public void Labelled_date_and_source_lines_become_metadata_not_text()
    {
        var raw = new RawDocument("Chip sales rise\n\nPublished: 3 March 2024\n\nChip sales rose by 5%.\n\nSource: https://example.com/chips\n\nCopyright 2024 Example News");
        var document = ArticleCleaner.Clean(raw, "c/1.txt", "c/1.txt");
        Assert.Equal("Chip sales rise", document.Title);
        Assert.Equal(new DateOnly(2024, 3, 3), document.Published);
        Assert.Equal("https://example.com/chips", document.Url);
        Assert.Equal(["Chip sales rose by 5%."], document.Paragraphs);
    }
}

/// <summary>What a server's log says while a first start embeds the corpus.</summary>
public class EmbeddingProgressLogTests
{
    [Fact]
    public void One_line_per_interval_says_how_far_embedding_is()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var log = new Microsoft.Extensions.Logging.Testing.FakeLogger<StartupIngestion>();
        var progress = new StartupIngestion.EmbeddingProgressLog(log, time, TimeSpan.FromSeconds(15));

        progress.Report(new IngestionProgress(IngestionStage.Embedding, 100, 1000)); // too soon for a line
        time.Advance(TimeSpan.FromSeconds(16));
        progress.Report(new IngestionProgress(IngestionStage.Reading, 50, 100)); // reading has the CLI's bar only
        progress.Report(new IngestionProgress(IngestionStage.Embedding, 250, 1000));
        progress.Report(new IngestionProgress(IngestionStage.Embedding, 260, 1000)); // the same interval
        time.Advance(TimeSpan.FromSeconds(16));
        progress.Report(new IngestionProgress(IngestionStage.Embedding, 900, 1000));

        Assert.Equal(
            ["Indexing: 25% embedded (250 of 1000 titles and sentences); /readyz says ready when all are", "Indexing: 90% embedded (900 of 1000 titles and sentences); /readyz says ready when all are"],
            log.Collector.GetSnapshot().Select(r => r.Message));
    }
}
