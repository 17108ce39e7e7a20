namespace QaBot.Channels.Slack;

/// <summary>
/// The event ids seen lately, so a redelivered event is answered once. Bounded in count and age: Slack retries within
/// minutes, so an hour is ample, and the oldest ids go first when a burst fills it.
/// </summary>
internal sealed class RecentSlackEvents(TimeProvider time)
{
    private const int Capacity = 10_000;
    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private readonly Lock gate = new();
    private readonly Dictionary<string, DateTimeOffset> expiries = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, DateTimeOffset Expires)> order = new();

    /// <summary>Records <paramref name="eventId"/>; false when it was already recorded (a redelivery).</summary>
    public bool TryAdd(string eventId)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            while (order.TryPeek(out var oldest) && (oldest.Expires <= now || order.Count >= Capacity))
            {
                order.Dequeue();
                // The id may have been forgotten and recorded again since; only its latest entry counts.
                if (expiries.TryGetValue(oldest.Id, out var expires) && expires == oldest.Expires) expiries.Remove(oldest.Id);
            }

            if (expiries.ContainsKey(eventId)) return false;
            var entry = (eventId, now + Retention);
            expiries[eventId] = entry.Item2;
            order.Enqueue(entry);
            return true;
        }
    }

    /// <summary>Forgets an event that could not be accepted, so Slack's redelivery is handled.</summary>
    public void Forget(string eventId)
    {
        lock (gate) expiries.Remove(eventId);
    }
}
