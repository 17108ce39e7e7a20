using StackExchange.Redis;

namespace QaBot.State;

/// <summary>Recognises a failure of the shared state store, which hosts answer with 503 (retry later) instead of 500.</summary>
public static class StateUnavailable
{
    /// <summary>True for Redis being unreachable, timing out or refusing a command.</summary>
    public static bool Is(Exception exception) => exception is RedisException
        || (exception is AggregateException many && many.InnerExceptions.Any(Is))
        || (exception.InnerException is { } inner && Is(inner));
}
