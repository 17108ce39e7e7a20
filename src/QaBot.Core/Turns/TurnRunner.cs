using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Answering;
using QaBot.Ingestion;
using QaBot.State;

namespace QaBot.Turns;

/// <summary>How every channel runs its turns (<c>QaBot:Turns</c>).</summary>
public sealed class TurnOptions
{
    public const string Section = "QaBot:Turns";

    /// <summary>Answers computed at the same time across all conversations; a turn waiting on its channel holds no slot.</summary>
    [Range(1, 256)]
    public int MaxConcurrentAnswers { get; set; } = 4;

    /// <summary>Turns accepted and not finished, across all conversations; beyond this channels answer 503 and /readyz says busy.</summary>
    [Range(1, 100_000)]
    public int MaxQueuedTurns { get; set; } = 1000;

    /// <summary>Turns one conversation may have waiting; a person types slower than the bot answers, so more is a runaway client.</summary>
    [Range(1, 1000)]
    public int MaxQueuedPerConversation { get; set; } = 8;

    /// <summary>How long one reply to a channel (a Bot Connector serviceUrl) may take, retries included, before it is given up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:00:30")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a stopping server goes on answering the turns it accepted (refusing new ones with 503, which channels
    /// redeliver) before it cancels what is left; within the host's own shutdown timeout (30 s by default).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>Whether <see cref="TurnRunner.TryEnqueue"/> took the turn.</summary>
public enum TurnAdmission
{
    Accepted,

    /// <summary>The conversation has <see cref="TurnOptions.MaxQueuedPerConversation"/> turns waiting.</summary>
    ConversationFull,

    /// <summary>All conversations together have <see cref="TurnOptions.MaxQueuedTurns"/> turns waiting.</summary>
    Full,

    /// <summary>The server is stopping: it finishes the turns it has and takes no more.</summary>
    Stopping,
}

/// <summary>
/// Runs the turns of every channel: a conversation's turns one after another in arrival order (a follow-up never overtakes
/// its question), different conversations side by side, none before the start-up index is ready. Queues are bounded per
/// conversation and in total, so a flood is refused instead of growing memory. Only answering is bounded across
/// conversations (<see cref="AskAsync"/>): a turn stuck on a slow or dead channel delays its own conversation, no other.
/// A server stops gracefully (<see cref="StopAsync"/>): the turns it accepted are answered, within
/// <see cref="TurnOptions.StopTimeout"/>, and new ones are refused so that their channel delivers them again.
/// </summary>
public sealed partial class TurnRunner(
    AnswerService answers,
    IndexStatus index,
    IOptions<TurnOptions> options,
    ILogger<TurnRunner> logger) : IHostedService, IDisposable
{
    /// <summary>What every channel tells the user when a turn could not be answered.</summary>
    public const string FailureText = "Sorry, something went wrong while I was looking that up. Please try again in a moment.";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<Func<CancellationToken, Task>>> _conversations = new(StringComparer.Ordinal);
    // SemaphoreSlim hands slots to async waiters first come, first served, so busy conversations take turns.
    private readonly SemaphoreSlim _answering = new(options.Value.MaxConcurrentAnswers);
    // Cancels the turns still running when the stop timeout has passed; until then they run to their end.
    private readonly CancellationTokenSource _abort = new();
    private TaskCompletionSource? _drained;
    private int _queued;

    public void Dispose()
    {
        _abort.Dispose();
        _answering.Dispose();
    }

    /// <summary>Turns accepted and not yet finished.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Conversations with turns waiting or running.</summary>
    public int ActiveConversations
    {
        get
        {
            lock (_gate) return _conversations.Count;
        }
    }

    /// <summary>True when no more turns are accepted (for /readyz).</summary>
    public bool IsFull => Queued >= options.Value.MaxQueuedTurns;

    /// <summary>True once the server has begun to stop (for /readyz, so a load balancer sends no more).</summary>
    public bool IsStopping
    {
        get
        {
            lock (_gate) return _drained is not null;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Refuses new turns and waits for the accepted ones, then cancels what is left.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task drained;
        int waiting;
        lock (_gate)
        {
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_queued == 0) _drained.TrySetResult();
            drained = _drained.Task;
            waiting = _queued;
        }

        // Turns still waiting for the start-up index would wait for an ingestion that stops with the server.
        var timeout = index.IsReady ? options.Value.StopTimeout : TimeSpan.Zero;
        if (waiting > 0 && timeout > TimeSpan.Zero) LogDraining(logger, waiting, timeout.TotalSeconds);
        try
        {
            await drained.WaitAsync(timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            LogAbandoned(logger, Queued);
            await _abort.CancelAsync();
        }
    }

    /// <summary>
    /// Queues <paramref name="turn"/> behind the earlier turns of <paramref name="conversationKey"/> (unique across
    /// channels). It runs off the caller's thread, gets the application's stopping token, and what it throws is logged.
    /// </summary>
    public TurnAdmission TryEnqueue(string conversationKey, Func<CancellationToken, Task> turn)
    {
        var o = options.Value;
        lock (_gate)
        {
            if (_drained is not null) return TurnAdmission.Stopping;
            if (_queued >= o.MaxQueuedTurns) return TurnAdmission.Full;
            if (_conversations.TryGetValue(conversationKey, out var waiting))
            {
                if (waiting.Count >= o.MaxQueuedPerConversation) return TurnAdmission.ConversationFull;
                waiting.Enqueue(turn);
                _queued++;
                return TurnAdmission.Accepted;
            }

            _conversations[conversationKey] = new Queue<Func<CancellationToken, Task>>([turn]);
            _queued++;
        }

        // The conversation had nothing running: start its loop, never inline on the request thread.
        _ = Task.Run(() => RunConversationAsync(conversationKey));
        return TurnAdmission.Accepted;
    }

    /// <summary>Answers within the bound of <see cref="TurnOptions.MaxConcurrentAnswers"/> answers at a time.</summary>
    public async Task<Answer> AskAsync(string question, string? conversationId, string? userId, CancellationToken cancellationToken)
    {
        await _answering.WaitAsync(cancellationToken);
        try
        {
            return await answers.AskAsync(question, conversationId, userId, cancellationToken);
        }
        finally
        {
            _answering.Release();
        }
    }

    private async Task RunConversationAsync(string conversationKey)
    {
        var stopping = _abort.Token;
        while (true)
        {
            Func<CancellationToken, Task> turn;
            lock (_gate) turn = _conversations[conversationKey].Peek();
            try
            {
                // Questions asked while the start-up corpus is indexed wait for the whole index, not a part of it.
                await index.Ready.WaitAsync(stopping);
                await turn(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Stopped after the stop timeout; StopAsync logged how many turns were left.
            }
            catch (Exception ex) when (StateUnavailable.Is(ex))
            {
                // The outage itself is logged once by the connection; each turn it fails gets a line, not a stack trace.
                LogTurnFailedOnState(logger, conversationKey, ex.Message.ReplaceLineEndings(" "));
            }
            catch (Exception ex)
            {
                // One failed turn (a channel that does not answer, an expired conversation) must not stop the ones after it.
                LogTurnFailed(logger, ex, conversationKey);
            }

            lock (_gate)
            {
                _queued--;
                if (_queued == 0) _drained?.TrySetResult();
                var waiting = _conversations[conversationKey];
                waiting.Dequeue();
                if (waiting.Count == 0)
                {
                    _conversations.Remove(conversationKey);
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: answering the {Count} turns accepted before it, for up to {Seconds} s (QaBot:Turns:StopTimeout)")]
    private static partial void LogDraining(ILogger logger, int count, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping with {Count} accepted turns unanswered: the start-up index was not ready, or the stop timeout (QaBot:Turns:StopTimeout) or the host's shutdown timeout passed")]
    private static partial void LogAbandoned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A turn of conversation {ConversationKey} failed: the shared state store is unavailable ({Reason})")]
    private static partial void LogTurnFailedOnState(ILogger logger, string conversationKey, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A turn of conversation {ConversationKey} failed")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception, string conversationKey);
}
