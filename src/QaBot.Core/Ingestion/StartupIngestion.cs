using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Configuration;

namespace QaBot.Ingestion;

/// <summary>Whether the start-up corpus is indexed yet (for /readyz), and what was indexed.</summary>
public sealed class IndexStatus
{
    private readonly TaskCompletionSource<IngestionReport> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public IngestionReport? Report => IsReady ? _ready.Task.Result : null;

    public string? Error { get; private set; }

    /// <summary>Completes when the start-up corpus is indexed.</summary>
    public Task<IngestionReport> Ready => _ready.Task;

    internal void SetReady(IngestionReport report) => _ready.TrySetResult(report);

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
        try
        {
            status.SetReady(await pipeline.IngestAsync(corpus.Value.Paths, cancellationToken: stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            status.SetFailed(ex);
            LogFailed(logger, ex, string.Join(", ", corpus.Value.Paths));
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Could not index the corpus ({Paths}); stopping")]
    private static partial void LogFailed(ILogger logger, Exception ex, string paths);
}
