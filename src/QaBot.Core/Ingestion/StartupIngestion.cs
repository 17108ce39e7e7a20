using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Configuration;

namespace QaBot.Ingestion;

/// <summary>Whether the start-up corpus is indexed yet (for /readyz), and what was indexed.</summary>
public sealed class IndexStatus
{
    private readonly TaskCompletionSource<IngestionReport> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile IngestionReport? _report;

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <summary>The index in use: the start-up corpus, or on a replica the generation swapped in last.</summary>
    public IngestionReport? Report => IsReady ? _report : null;

    public string? Error { get; private set; }

    /// <summary>Completes when the start-up corpus is indexed.</summary>
    public Task<IngestionReport> Ready => _ready.Task;

    /// <summary>Ready with <paramref name="report"/>; called again when a replica swaps in a newer index.</summary>
    internal void SetReady(IngestionReport report)
    {
        _report = report;
        _ready.TrySetResult(report);
    }

    internal void SetFailed(Exception error)
    {
        Error = error.Message;
        _ready.TrySetException(error);
    }
}

/// <summary>
/// Indexes <see cref="CorpusOptions.Paths"/> when a server host starts, in the background so the process answers
/// health checks at once; /readyz reports ready when it is done. A missing corpus folder stops the host with its path.
/// </summary>
public sealed partial class StartupIngestion(
    IngestionPipeline pipeline,
    IndexStatus status,
    IOptions<CorpusOptions> corpus,
    IHostApplicationLifetime lifetime,
    ILogger<StartupIngestion> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Index once the host has started: a failure then stops a running server cleanly instead of aborting its start.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(started.SetResult)) await started.Task.WaitAsync(stoppingToken);
        try
        {
            var report = await pipeline.IngestAsync(corpus.Value.Paths, new EmbeddingProgressLog(logger, TimeProvider.System, TimeSpan.FromSeconds(15)), cancellationToken: stoppingToken);
            // Served all the same (a folder filled later is read at the next start), but an empty mount is worth a warning.
            if (report.Documents == 0) LogEmpty(logger, string.Join(", ", corpus.Value.Paths));
            status.SetReady(report);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            status.SetFailed(ex);
            // The reason in one line (a missing folder names itself); the stack trace only at Debug level.
            LogFailed(logger, string.Join(", ", corpus.Value.Paths), ex.Message);
            LogFailureDetail(logger, ex);
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Could not index the corpus of QaBot:Corpus:Paths ({Paths}): {Reason}; stopping")]
    private static partial void LogFailed(ILogger logger, string paths, string reason);

    /// <summary>A first start embeds for minutes: a line every <paramref name="interval"/> says how far it is, where the CLI shows a progress bar.</summary>
    internal sealed class EmbeddingProgressLog(ILogger logger, TimeProvider time, TimeSpan interval) : IProgress<IngestionProgress>
    {
        private long _next = time.GetTimestamp() + (long)(interval.TotalSeconds * time.TimestampFrequency);

        public void Report(IngestionProgress value)
        {
            var now = time.GetTimestamp();
            var next = Volatile.Read(ref _next);
            if (value.Stage != IngestionStage.Embedding || value.Total == 0 || now < next) return;
            // Reports come from parallel batches; one of them writes the line.
            if (Interlocked.CompareExchange(ref _next, now + (long)(interval.TotalSeconds * time.TimestampFrequency), next) != next) return;
            LogProgress(logger, value.Done, value.Total, 100 * value.Done / value.Total);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexing: {Percent}% embedded ({Done} of {Total} titles and sentences); /readyz says ready when all are")]
    private static partial void LogProgress(ILogger logger, int done, int total, int percent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No articles found in QaBot:Corpus:Paths ({Paths}); .txt, .md, .html, .pdf and .docx files are read, and every question will be declined")]
    private static partial void LogEmpty(ILogger logger, string paths);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Indexing failure detail")]
    private static partial void LogFailureDetail(ILogger logger, Exception ex);
}
