using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols;

namespace QaBot.Channels.BotFramework;

/// <summary>
/// The signing keys of one token service, without letting an outage reach the requests. The configuration manager
/// caches keys and refreshes them on its own schedule, but while it has none every request waits for its own fetch in
/// turn (50 forged tokens with the metadata down took minutes). Here all requests share one fetch in flight, wait for
/// it at most <see cref="MaxWait"/>, and after a failed fetch no new one starts for <see cref="RetryAfter"/>: tokens
/// that cannot be verified meanwhile are refused at once, and the failure is logged once per fetch, not per request.
/// </summary>
internal sealed partial class SigningKeySource(ConfigurationManager<BotSigningKeys> manager, string address, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private Task<BotSigningKeys>? _fetch;
    private DateTimeOffset _nextTry;

    /// <summary>The keys, or null when they cannot be had now (metadata unreachable, or not fetched within <see cref="MaxWait"/>).</summary>
    public async Task<BotSigningKeys?> GetAsync(CancellationToken cancellationToken)
    {
        Task<BotSigningKeys> fetch;
        lock (_gate)
        {
            var failedRecently = _fetch is { IsFaulted: true } && time.GetUtcNow() < _nextTry;
            // A finished fetch is replaced each time: the manager answers from its cache until its own refresh is due.
            if (_fetch is null || (_fetch.IsCompleted && !failedRecently)) _fetch = FetchAsync();
            fetch = _fetch;
        }
        try
        {
            return await fetch.WaitAsync(MaxWait, time, cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Keys rolled over (a token names an unknown key): ask the manager for fresh ones, which it rate-limits itself.</summary>
    public void RequestRefresh() => manager.RequestRefresh();

    private async Task<BotSigningKeys> FetchAsync()
    {
        try
        {
            // Not the caller's token: a request that gives up must not cancel the fetch others are waiting for.
            return await manager.GetConfigurationAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            lock (_gate) _nextTry = time.GetUtcNow() + RetryAfter;
            LogUnavailable(logger, address, ex.GetBaseException().Message, (int)RetryAfter.TotalSeconds);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch the Bot Framework signing keys from {Address}: {Error}. Tokens are refused as unverifiable; next try in {Seconds} s")]
    private static partial void LogUnavailable(ILogger logger, string address, string error, int seconds);
}
