using QaBot.State;
using StackExchange.Redis;

namespace QaBot.Channels.Slack;

/// <summary>The event ids accepted lately, so a redelivered event is answered once.</summary>
internal interface ISlackEventLog
{
    /// <summary>Slack retries within minutes, so an hour is ample.</summary>
    static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    /// <summary>Records <paramref name="eventId"/>; false when it was already recorded (a redelivery).</summary>
    Task<bool> TryAddAsync(string eventId);

    /// <summary>Forgets an event that could not be accepted, so Slack's redelivery is handled.</summary>
    Task ForgetAsync(string eventId);
}

/// <summary>
/// The event ids of this process, for one instance. Bounded in count and age: the oldest ids go first when a burst fills it.
/// </summary>
internal sealed class RecentSlackEvents(TimeProvider time) : ISlackEventLog
{
    private const int Capacity = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _expiries = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, DateTimeOffset Expires)> _order = new();

    /// <summary>Records <paramref name="eventId"/>; false when it was already recorded (a redelivery).</summary>
    public bool TryAdd(string eventId)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            while (_order.TryPeek(out var oldest) && (oldest.Expires <= now || _order.Count >= Capacity))
            {
                _order.Dequeue();
                // The id may have been forgotten and recorded again since; only its latest entry counts.
                if (_expiries.TryGetValue(oldest.Id, out var expires) && expires == oldest.Expires) _expiries.Remove(oldest.Id);
            }

            if (_expiries.ContainsKey(eventId)) return false;
            var entry = (eventId, now + ISlackEventLog.Retention);
            _expiries[eventId] = entry.Item2;
            _order.Enqueue(entry);
            return true;
        }
    }

    /// <summary>Forgets an event that could not be accepted, so Slack's redelivery is handled.</summary>
    public void Forget(string eventId)
    {
        lock (_gate) _expiries.Remove(eventId);
    }

    Task<bool> ISlackEventLog.TryAddAsync(string eventId) => Task.FromResult(TryAdd(eventId));

    Task ISlackEventLog.ForgetAsync(string eventId)
    {
        Forget(eventId);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The event ids of all replicas in Redis: <c>SET NX EX</c> records an id only if no replica has, atomically, so an event
/// and its retry reaching different replicas are answered once. Redis expires the ids.
/// </summary>
internal sealed class RedisSlackEvents(IConnectionMultiplexer redis) : ISlackEventLog
{
    public Task<bool> TryAddAsync(string eventId) =>
        redis.GetDatabase().StringSetAsync(Key(eventId), 1, ISlackEventLog.Retention, When.NotExists);

    public Task ForgetAsync(string eventId) => redis.GetDatabase().KeyDeleteAsync(Key(eventId));

    private static RedisKey Key(string eventId) => $"{StateServiceCollectionExtensions.KeyPrefix}slack:event:{eventId}";
}
