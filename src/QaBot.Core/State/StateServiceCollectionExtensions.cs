using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace QaBot.State;

/// <summary>The one place that turns <see cref="StateOptions.Provider"/> into stores; channels ask it which to build.</summary>
public static partial class StateServiceCollectionExtensions
{
    /// <summary>Prefix of every Redis key and channel QaBot uses, so it can share a Redis with other applications.</summary>
    public const string KeyPrefix = "qabot:";

    /// <summary>
    /// Registers one <see cref="IConnectionMultiplexer"/> (connected on first use) when the provider is Redis. It keeps
    /// reconnecting in the background, so a Redis that is down at start-up or restarts later only fails the requests
    /// made meanwhile (<see cref="StateUnavailable"/>), and the outage is logged once, not per request.
    /// </summary>
    internal static IServiceCollection AddQaBotState(this IServiceCollection services) =>
        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var configuration = ConfigurationOptions.Parse(sp.GetRequiredService<IOptions<StateOptions>>().Value.Redis.Configuration!);
            configuration.AbortOnConnectFail = false;
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("QaBot.State.Redis");
            // The library's account of the first connection, kept to say why it failed (see StartupFailure).
            using var connectLog = new StringWriter();
            var redis = ConnectionMultiplexer.Connect(configuration, connectLog);
            // Every failed reconnection attempt raises ConnectionFailed; only the first of an outage is logged.
            var down = 0;
            redis.ConnectionFailed += (_, e) =>
            {
                if (Interlocked.Exchange(ref down, 1) == 0) LogConnectionFailed(logger, e.EndPoint?.ToString(), e.FailureType, e.Exception?.Message);
            };
            redis.ConnectionRestored += (_, e) =>
            {
                if (Interlocked.Exchange(ref down, 0) == 1) LogConnectionRestored(logger, e.EndPoint?.ToString());
            };
            // A failure during Connect itself came before the handlers were attached.
            if (!redis.IsConnected && Interlocked.Exchange(ref down, 1) == 0)
            {
                var (kind, reason) = StartupFailure(connectLog.ToString());
                LogConnectionFailed(logger, string.Join(", ", configuration.EndPoints), kind, reason);
            }

            return redis;
        });

    /// <summary>
    /// Why the first connection failed, read from the log <see cref="ConnectionMultiplexer.Connect(ConfigurationOptions, TextWriter)"/>
    /// writes: its ConnectionFailed events are raised before a handler can be attached, and a wrong password would
    /// otherwise be told as an unreachable server. A log in another shape gives the plain reason.
    /// </summary>
    private static (ConnectionFailureType Kind, string Reason) StartupFailure(string connectLog)
    {
        var failed = FailedConnection().Match(connectLog);
        if (!failed.Success || !Enum.TryParse<ConnectionFailureType>(failed.Groups["kind"].Value, out var kind)) return (ConnectionFailureType.UnableToConnect, "no connection at start-up");
        var error = ServerError().Match(connectLog, failed.Index);
        return (kind, error.Success ? error.Groups["error"].Value.Trim() : "no connection at start-up");
    }

    // "Connection failed: 127.0.0.1:6379 (Interactive, AuthenticationFailure): …" then "> Error: NOAUTH Authentication required. …"
    [GeneratedRegex(@"Connection failed: \S+ \(\w+, (?<kind>\w+)\)")]
    private static partial Regex FailedConnection();

    [GeneratedRegex(@"^\S+: > (?<error>.+)$", RegexOptions.Multiline)]
    private static partial Regex ServerError();

    /// <summary>Whether the configured provider is Redis.</summary>
    public static bool UsesRedis(this IServiceProvider services) =>
        services.GetRequiredService<IOptions<StateOptions>>().Value.Provider == StateProvider.Redis;

    /// <summary>Builds <typeparamref name="TRedis"/> when state lives in Redis, else <typeparamref name="TMemory"/>.</summary>
    public static TService Choose<TService, TMemory, TRedis>(this IServiceProvider services)
        where TService : class
        where TMemory : class, TService
        where TRedis : class, TService =>
        services.UsesRedis() ? ActivatorUtilities.CreateInstance<TRedis>(services) : services.GetRequiredService<TMemory>();

    [LoggerMessage(Level = LogLevel.Error, Message = "Redis at {EndPoint} is unreachable ({FailureType}: {Reason}); requests that need shared state are answered 503 until it is back")]
    private static partial void LogConnectionFailed(ILogger logger, string? endPoint, ConnectionFailureType failureType, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis at {EndPoint} is reachable again")]
    private static partial void LogConnectionRestored(ILogger logger, string? endPoint);
}
