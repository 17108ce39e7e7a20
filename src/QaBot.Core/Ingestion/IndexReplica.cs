using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Configuration;
using QaBot.Retrieval;
using QaBot.VectorStore;

namespace QaBot.Ingestion;

/// <summary>
/// A read-only server's index (<see cref="IndexOptions.ReadOnly"/>): loads the generation <c>qabot ingest</c> wrote,
/// then watches the folder and swaps to each newer one. A new generation is read and filled into a fresh
/// <see cref="IndexSnapshot"/> beside the one in use, then swapped in one reference write, so questions never fail or
/// wait and those in flight finish on the old one. Never writes to the folder, which many replicas may share.
/// </summary>
public sealed partial class IndexReplica(
    IngestionPipeline pipeline,
    IndexStore store,
    IndexSnapshots snapshots,
    DocumentCatalog catalog,
    IndexStatus status,
    IOptions<CorpusOptions> corpus,
    IOptions<IndexOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<IndexReplica> logger) : BackgroundService
{
    private readonly SemaphoreSlim _changed = new(0);
    private readonly SemaphoreSlim _checking = new(1, 1);
    private string? _generation;

    // A generation this build can never load (another model, chunking or format): logged once, not read again.
    private string? _refused;
    private bool _toldNoIndex;

    /// <summary>The folder the index is read from: the one <c>qabot ingest</c> writes for the same corpus folders.</summary>
    public string Folder => IngestionPipeline.IndexFolder(options.Value.Path, corpus.Value.Paths.Select(PathResolver.Resolve).ToList());

    /// <summary>The generation in use, or null before the first one is loaded.</summary>
    public string? Generation => _generation;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(started.SetResult)) await started.Task.WaitAsync(stoppingToken);
        var folder = Folder;
        using var watcher = Watch(folder);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The generation in use keeps serving; the next change or check tries again.
                LogReloadFailed(logger, folder, ex.Message);
            }
            try
            {
                // Woken by the watcher, else by the interval: network file systems may never raise the event.
                await _changed.WaitAsync(options.Value.ReloadCheckInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private FileSystemWatcher? Watch(string folder)
    {
        if (!Directory.Exists(folder))
        {
            LogNoFolder(logger, folder);
            return null;
        }
        // The manifest is replaced last (by a rename), so its events mark a finished generation.
        var watcher = new FileSystemWatcher(folder, "manifest.json") { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
        watcher.Created += (_, _) => Signal();
        watcher.Changed += (_, _) => Signal();
        watcher.Renamed += (_, _) => Signal();
        watcher.Error += (_, _) => Signal();
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    private void Signal()
    {
        // One pending wake-up is enough however many events a save raises.
        if (_changed.CurrentCount == 0) _changed.Release();
    }

    /// <summary>
    /// Loads and swaps in the folder's generation if it is not the one in use; true when it swapped. Called by the
    /// watch loop, and by tests to swap at a known moment.
    /// </summary>
    public async Task<bool> CheckAsync(CancellationToken cancellationToken = default)
    {
        await _checking.WaitAsync(cancellationToken);
        try
        {
            var folder = Folder;
            var generation = IndexStore.Generation(folder);
            if (generation is null)
            {
                if (_generation is null && !_toldNoIndex) LogNoIndex(logger, folder);
                _toldNoIndex = true;
                return false;
            }
            if (generation == _generation || generation == _refused) return false;

            var clock = Stopwatch.StartNew();
            var settled = false;
            var documents = await Task.Run(() => store.TryLoad(folder, pipeline.Signature(), _generation is null ? UnusableIndex.Wait : UnusableIndex.KeepServing, out settled), cancellationToken);
            // A writer may have replaced the generation while it was read: then which one was read is unknown, so the
            // next event (the writer's manifest) or check loads the newest.
            var unchanged = IndexStore.Generation(folder) == generation;
            if (documents is null && settled && unchanged) _refused = generation;
            if (documents is null || !unchanged) return false;

            var next = snapshots.CreateEmpty();
            await next.AddAsync(documents, cancellationToken);
            var previous = _generation;
            snapshots.Swap(next);
            _generation = generation;
            var ids = documents.Select(d => d.Info.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in catalog.Documents.Where(d => !ids.Contains(d.Id))) catalog.Remove(gone.Id);
            foreach (var d in documents) catalog.Add(d.Info);
            var report = new IngestionReport(documents.Count, documents.Sum(d => d.Chunks.Count), clock.Elapsed, IndexFolder: folder);
            status.SetReady(report);
            LogSwapped(logger, previous ?? "(none)", generation, report.Documents, report.Passages, (long)clock.Elapsed.TotalMilliseconds);
            return true;
        }
        finally
        {
            _checking.Release();
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _changed.Dispose();
        _checking.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Index generation {Previous} replaced by {Generation}: {Documents} documents, {Passages} passages, loaded in {ElapsedMs} ms")]
    private static partial void LogSwapped(ILogger logger, string previous, string generation, int documents, int passages, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No index in {Folder} yet; run `qabot ingest` for the same QaBot:Corpus:Paths (not ready until then)")]
    private static partial void LogNoIndex(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The index folder {Folder} does not exist: looking for an index there every QaBot:Index:ReloadCheckInterval instead of watching it")]
    private static partial void LogNoFolder(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not load the newer index in {Folder}: {Reason}; the one in use keeps serving")]
    private static partial void LogReloadFailed(ILogger logger, string folder, string reason);
}
