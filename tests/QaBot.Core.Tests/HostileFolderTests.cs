using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using QaBot.Configuration;
using QaBot.Core.Tests.Infrastructure;
using QaBot.Ingestion;

namespace QaBot.Core.Tests;

/// <summary>
/// Folders a careless operator or an attacker could point ingestion at: named pipes, link loops, links out of the
/// folder, huge, binary and absurdly nested files. Each load is bounded in time, since the failure being guarded
/// against is a hang.
/// </summary>
public class HostileFolderTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly FakeLogger<DocumentLoader> _log = new();

    private DocumentLoader Loader(int maxFileMegabytes = 10, int maxReadSeconds = 30) => new(
        [new PlainTextReader(), new MarkdownReader(), new HtmlReader(), new PdfReader()],
        new DocumentCatalog(),
        Options.Create(new IngestionOptions { MaxFileMegabytes = maxFileMegabytes, MaxReadSeconds = maxReadSeconds }),
        _log);

    /// <summary>Loads on a pool thread, so even a loader blocked in a system call fails the test after <see cref="Bound"/>.</summary>
    private static Task<IReadOnlyList<SourceDocument>> LoadBounded(DocumentLoader loader, string folder) =>
        Task.Run(() => loader.LoadAsync([folder])).WaitAsync(Bound);

    /// <summary>The reason logged for skipping the file or link named <paramref name="name"/>.</summary>
    private string SkipReason(string name) =>
        Assert.Single(_log.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.StartsWith("Skipped ", StringComparison.Ordinal) &&
            r.Message.Contains(Path.DirectorySeparatorChar + name + ":", StringComparison.Ordinal)).Message;

    private static string Article(string title) => $"{title}\n\nThe factory reopened on Monday after a week of repairs.";

    [Fact]
    public async Task A_folder_with_a_fifo_link_loops_and_links_out_gives_only_its_own_regular_files()
    {
        using var folder = new TempFolder();
        folder.Write("story.txt", Article("Factory reopens"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "sub"));
        folder.Write("sub/inner.txt", Article("Plant restarts"));
        folder.Fifo("pipe.txt");
        folder.Link("self", ".");
        folder.Link("sub/up", "..");
        folder.Link("etc", "/etc");
        folder.Link("passwd.txt", "/etc/passwd");
        folder.Link("alias.txt", "story.txt");
        folder.Link("news", "sub");

        var documents = await LoadBounded(Loader(), folder.Path);

        var root = Path.GetFileName(folder.Path);
        Assert.Equal([root + "/story.txt", root + "/sub/inner.txt"], documents.Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.Contains("not a regular file", SkipReason("pipe.txt"), StringComparison.Ordinal);
        Assert.Contains("symbolic link out of the folder", SkipReason("passwd.txt"), StringComparison.Ordinal);
        Assert.Contains("symbolic link out of the folder", SkipReason("etc"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_to_a_file_elsewhere_in_the_folder_is_read_once_and_a_folder_given_as_a_link_is_walked()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "real"));
        folder.Write("real/only.txt", Article("Only here"));
        folder.Link("pointer.txt", "real/only.txt");
        using var outside = new TempFolder();
        var viaLink = outside.Link("corpus", folder.Path);

        var documents = await LoadBounded(Loader(), viaLink);

        Assert.Equal(["corpus/real/only.txt"], documents.Select(d => d.Id));
    }

    [Fact]
    public async Task A_file_over_the_size_limit_is_skipped_with_the_setting_named_and_the_rest_is_read()
    {
        using var folder = new TempFolder();
        folder.Write("huge.txt", new string('x', 10 * 1024 * 1024 + 1));
        folder.Write("small.txt", Article("Small news"));

        var documents = await LoadBounded(Loader(), folder.Path);

        Assert.Equal("Small news", Assert.Single(documents).Title);
        Assert.Contains("10 MB is over the limit of QaBot:Ingestion:MaxFileMegabytes (10)", SkipReason("huge.txt"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_file_is_streamed_into_one_copy_of_its_text()
    {
        using var folder = new TempFolder();
        // 20 MB of article text (curly quotes and all, so UTF-8 bytes and characters differ), on one line and on many.
        var article = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Seeds, Seeds.HondaFile + ".txt"));
        var text = string.Concat(Enumerable.Repeat(article, 20 * 1024 * 1024 / Encoding.UTF8.GetByteCount(article) + 1));
        var path = folder.Write("large.txt", text);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var read = (await new PlainTextReader().ReadAsync(path, CancellationToken.None)).Text;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(text, read);
        // The string itself is two bytes a character; reading the whole file's bytes first and decoding them cost one
        // more byte per input byte. What remains is small and fixed: the stream, the decoders, a pooled chunk buffer.
        Assert.InRange(allocated, 2L * text.Length, 2L * text.Length + 256 * 1024);
    }

    [Fact]
    public async Task Binary_content_with_a_text_extension_is_skipped_with_a_reason()
    {
        using var folder = new TempFolder();
        folder.Write("zeros.txt", new byte[1024 * 1024]); // what a zip bomb of zeros unpacks to
        folder.Write("program.md", [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, .. Encoding.ASCII.GetBytes("rest of the header")]);
        var random = new byte[64 * 1024];
        new Random(11).NextBytes(random);
        folder.Write("noise.html", random.Select(b => b == 0 ? (byte)1 : b).ToArray());
        folder.Write("controls.txt", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("ab\u0001\u0002\u001b", 1000))));
        folder.Write("story.txt", Article("Real text"));

        var documents = await LoadBounded(Loader(), folder.Path);

        Assert.Equal("Real text", Assert.Single(documents).Title);
        Assert.Contains("NUL bytes", SkipReason("zeros.txt"), StringComparison.Ordinal);
        Assert.Contains("NUL bytes", SkipReason("program.md"), StringComparison.Ordinal);
        Assert.Contains("not UTF-8", SkipReason("noise.html"), StringComparison.Ordinal);
        Assert.Contains("60% of it is control characters", SkipReason("controls.txt"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Markdown_with_a_megabyte_of_unclosed_brackets_is_read_in_linear_time()
    {
        using var folder = new TempFolder();
        folder.Write("brackets.md", "# Brackets\n\n" + string.Concat(Enumerable.Repeat("[x ![y (", 150_000)) + "\n");

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var document = Assert.Single(await LoadBounded(Loader(), folder.Path));

        Assert.Equal("Brackets", document.Title);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"took {stopwatch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Markup_nested_deeper_than_any_page_is_skipped_quickly_and_ordinary_nesting_is_read()
    {
        using var folder = new TempFolder();
        folder.Write("deep.html", "<html><body>" + string.Concat(Enumerable.Repeat("<div><p>level", 100_000)) + "</body></html>");
        folder.Write("nested.html", "<html><body><article>" + string.Concat(Enumerable.Repeat("<div><span>", 100)) +
            "<p>The factory reopened on Monday.</p>" + string.Concat(Enumerable.Repeat("</span></div>", 100)) + "</article></body></html>");

        var documents = await LoadBounded(Loader(), folder.Path);

        Assert.Contains("The factory reopened on Monday.", Assert.Single(documents).Paragraphs);
        Assert.Contains($"nests deeper than {HtmlReader.MaxDepth} elements", SkipReason("deep.html"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Markup_that_slips_past_the_depth_estimate_is_skipped_when_its_time_runs_out_and_the_rest_is_read()
    {
        using var folder = new TempFolder();
        // Each unmatched </span> makes the estimate count a div as closed, but the parser ignores it and nests all
        // 200,000 divs: unbounded, parsing this 2.4 MB file takes minutes.
        folder.Write("misnested.html", "<html><body>" + string.Concat(Enumerable.Repeat("<div></span>", 200_000)) + "</body></html>");
        folder.Write("story.html", "<html><body><article><p>The factory reopened on Monday.</p></article></body></html>");

        var documents = await LoadBounded(Loader(maxReadSeconds: 2), folder.Path);

        Assert.Contains("The factory reopened on Monday.", Assert.Single(documents).Paragraphs);
        Assert.Contains("took longer than QaBot:Ingestion:MaxReadSeconds (2 s)", SkipReason("misnested.html"), StringComparison.Ordinal);
    }
}
