namespace QaBot.Channels.DirectLine.Tests.Infrastructure;

/// <summary>The system clock, moved forward on demand: token expiry and idle timeouts without waiting for them.</summary>
public sealed class AdjustableClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
