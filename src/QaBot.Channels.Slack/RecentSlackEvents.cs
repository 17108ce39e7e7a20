namespace QaBot.Channels.Slack;

/// <summary>
/// The event ids seen lately, so a redelivered event is answered once. Bounded in count and age: Slack retries within
/// minutes, so an hour is ample, and the oldest ids go first when a burst fills it.
/// </summary>
internal sealed class RecentSlackEvents(TimeProvider time)
{
    private const int Capacity = 10_000;
    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);

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
            var entry = (eventId, now + Retention);
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
}
