namespace QaBot.LoadTest;

/// <summary>
/// Latencies in logarithmic buckets 1% wide (1 µs to hours), so memory stays fixed however long the run and any
/// percentile is within 1% of the exact value. Safe for concurrent recording.
/// </summary>
public sealed class LatencyHistogram
{
    private static readonly double LogGrowth = Math.Log(1.01);
    private readonly long[] _buckets = new long[2400];
    private long _count;
    private long _maxTicks;

    public long Count => Interlocked.Read(ref _count);

    public void Record(TimeSpan latency)
    {
        var micros = Math.Max(1.0, latency.TotalMicroseconds);
        var bucket = Math.Min(_buckets.Length - 1, (int)(Math.Log(micros) / LogGrowth));
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Increment(ref _count);
        var ticks = latency.Ticks;
        for (var max = Interlocked.Read(ref _maxTicks); ticks > max; max = Interlocked.Read(ref _maxTicks))
            if (Interlocked.CompareExchange(ref _maxTicks, ticks, max) == max) break;
    }

    public TimeSpan Max => TimeSpan.FromTicks(Interlocked.Read(ref _maxTicks));

    /// <summary>The latency below which <paramref name="percent"/>% of the recorded ones fall (the bucket's upper edge).</summary>
    public TimeSpan Percentile(double percent)
    {
        var count = Count;
        if (count == 0) return TimeSpan.Zero;
        var rank = (long)Math.Ceiling(percent / 100 * count);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= rank) return TimeSpan.FromMicroseconds(Math.Min(Math.Exp((i + 1) * LogGrowth), Max.TotalMicroseconds));
        }
        return Max;
    }
}
