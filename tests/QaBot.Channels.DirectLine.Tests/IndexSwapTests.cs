using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using QaBot.Answering;
using QaBot.Channels.DirectLine.Tests.Infrastructure;
using QaBot.Configuration;
using QaBot.Ingestion;
using QaBot.VectorStore;

namespace QaBot.Channels.DirectLine.Tests;

/// <summary>
/// A read-only replica (QaBot:Index:ReadOnly) serving the index an ingestion wrote, while the ingestion writes a newer
/// generation with one more article: questions run throughout and none fails, /readyz stays ready, and once swapped
/// the new article is answered from.
/// </summary>
public sealed class IndexSwapTests : IDisposable
{
    private const string Question = "How much have Honda sales dropped?";
    private readonly string _root = Directory.CreateTempSubdirectory("qabot-replica-").FullName;

    private string Corpus => Path.Combine(_root, "articles");

    private string IndexPath => Path.Combine(_root, "index");

    public IndexSwapTests()
    {
        Directory.CreateDirectory(Corpus);
        foreach (var file in Directory.EnumerateFiles(PathResolver.Resolve("seeds"))) File.Copy(file, Path.Combine(Corpus, Path.GetFileName(file)));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Dictionary<string, string?> IndexSettings() => new()
    {
        ["QaBot:Corpus:Paths:0"] = Corpus,
        ["QaBot:Index:Persist"] = "true",
        ["QaBot:Index:Path"] = IndexPath,
    };

    /// <summary>What <c>qabot ingest</c> does: index the corpus in a process of its own and write the next generation.</summary>
    private async Task IngestAsync(string? maxChars = null)
    {
        var settings = IndexSettings();
        if (maxChars is not null) settings["QaBot:Chunking:MaxChars"] = maxChars;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var writer = new ServiceCollection().AddLogging().AddQaBot(configuration).BuildServiceProvider();
        await writer.GetRequiredService<IngestionPipeline>().IngestAsync([Corpus]);
    }

    [Fact]
    public async Task A_newer_index_is_swapped_in_under_load_with_no_failed_question()
    {
        await IngestAsync();
        var settings = IndexSettings();
        settings["QaBot:Index:ReadOnly"] = "true";
        await using var server = await DirectLineServer.StartAsync(settings);
        var replica = server.Services.GetRequiredService<IndexReplica>();
        var answers = server.Services.GetRequiredService<AnswerService>();
        var first = replica.Generation;
        Assert.NotNull(first);

        var failures = new List<string>();
        var answeredAfterSwap = 0;
        var tenAfterSwap = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var swapped = false;
        using var stop = new CancellationTokenSource();
        async Task AskInALoop(int client)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    // Each client its own conversation, so the per-conversation rate limit does not refuse the loop.
                    var answer = await answers.AskAsync(Question, $"swap-{client}-{Guid.NewGuid():N}");
                    if (answer.Declined || answer.Citations.Count == 0) lock (failures) failures.Add("declined: " + answer.Text);
                    using var ready = await server.Http.GetAsync("readyz");
                    if (ready.StatusCode != HttpStatusCode.OK) lock (failures) failures.Add("/readyz " + ready.StatusCode);
                    if (Volatile.Read(ref swapped) && Interlocked.Increment(ref answeredAfterSwap) >= 10) tenAfterSwap.TrySetResult();
                }
                catch (Exception ex)
                {
                    lock (failures) failures.Add(ex.ToString());
                }
            }
        }
        var clients = Enumerable.Range(0, 3).Select(i => Task.Run(() => AskInALoop(i))).ToList();

        await File.WriteAllTextAsync(Path.Combine(Corpus, "teapots.txt"),
            "Zorblax teapot exports\n\nThe Zorblax company said its quarterly exports of teapots rose by 37.5% to 81,000 units in March.\n");
        await IngestAsync();
        // The watcher may have swapped already; either way, once a check has run the folder's generation is in use.
        await replica.CheckAsync();
        Volatile.Write(ref swapped, true);
        Assert.Equal(IndexStore.Generation(replica.Folder), replica.Generation);
        Assert.NotEqual(first, replica.Generation);

        // Questions keep being answered on the new generation (counted, not timed).
        await tenAfterSwap.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        Assert.Empty(failures);

        var teapots = await answers.AskAsync("How much did Zorblax teapot exports rise?");
        Assert.Contains("37.5%", teapots.Text, StringComparison.Ordinal);
        Assert.Contains(teapots.Citations, c => c.Source.Contains("teapots.txt", StringComparison.Ordinal));
        using var readyz = await server.Http.GetAsync("readyz");
        Assert.Contains("\"documents\":3", await readyz.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replica_says_it_waits_for_an_index_it_can_use_and_never_that_it_rebuilds_one()
    {
        // `qabot ingest` run with other chunking than the replica's: the stored passages are not the ones it would make.
        await IngestAsync(maxChars: "400");
        var settings = IndexSettings();
        settings["QaBot:Index:ReadOnly"] = "true";
        await using var server = await InProcessServer.StartAsync(settings, s => s.AddFakeLogging(), waitUntilReady: false);
        var replica = server.Services.GetRequiredService<IndexReplica>();
        var logs = server.Services.GetRequiredService<FakeLogCollector>();
        string Said() => string.Join('\n', logs.GetSnapshot().Where(r => r.Category == typeof(IndexStore).FullName).Select(r => r.Message));

        Assert.False(await replica.CheckAsync());
        Assert.Null(replica.Generation);
        Assert.Contains("not ready until `qabot ingest` writes an index this build can read", Said(), StringComparison.Ordinal);
        using (var waiting = await server.Http.GetAsync("readyz")) Assert.Equal(HttpStatusCode.ServiceUnavailable, waiting.StatusCode);

        await IngestAsync();
        // The watcher may have loaded it already; either way, once a check has run the folder's generation is in use.
        await replica.CheckAsync();
        var serving = replica.Generation;
        Assert.Equal(IndexStore.Generation(replica.Folder), serving);

        logs.Clear();
        await IngestAsync(maxChars: "400");
        Assert.False(await replica.CheckAsync());
        Assert.Equal(serving, replica.Generation);
        Assert.Contains("not loading it: the index in use keeps serving", Said(), StringComparison.Ordinal);
        Assert.DoesNotContain("embedding", Said(), StringComparison.Ordinal);
        Assert.DoesNotContain("rebuild", Said(), StringComparison.Ordinal);
        using var ready = await server.Http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task A_replica_says_once_that_there_is_no_index_or_one_it_can_never_load_and_does_not_read_that_one_again()
    {
        var settings = IndexSettings();
        settings["QaBot:Index:ReadOnly"] = "true";
        await using var server = await InProcessServer.StartAsync(settings, s => s.AddFakeLogging(), waitUntilReady: false);
        var replica = server.Services.GetRequiredService<IndexReplica>();
        var logs = server.Services.GetRequiredService<FakeLogCollector>();
        int Times(string text) => logs.GetSnapshot().Count(r => r.Message.Contains(text, StringComparison.Ordinal));

        // The watch loop checks too; however many checks run, each state is told once.
        Assert.False(await replica.CheckAsync());
        Assert.False(await replica.CheckAsync());
        Assert.Equal(1, Times("No index in"));

        // Built with other chunking: refused once, and not read again while that generation stands.
        await IngestAsync(maxChars: "400");
        Assert.False(await replica.CheckAsync());
        Assert.False(await replica.CheckAsync());
        Assert.Equal(1, Times("was built with"));
        Assert.Null(replica.Generation);

        // A new generation it can read is loaded at once.
        await IngestAsync();
        await replica.CheckAsync();
        Assert.Equal(IndexStore.Generation(replica.Folder), replica.Generation);
        Assert.Equal(1, Times("No index in"));
    }
}
