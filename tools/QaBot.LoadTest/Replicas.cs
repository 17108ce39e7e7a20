using System.Diagnostics;
using QaBot.Processes;

namespace QaBot.LoadTest;

/// <summary>One server process and the client that talks to it; remembers when it was killed.</summary>
public sealed class Replica(ServerProcess process, HttpClient http)
{
    private long _killedAt = long.MaxValue;

    public ServerProcess Process => process;

    public HttpClient Http => http;

    public bool IsUp => Interlocked.Read(ref _killedAt) == long.MaxValue && process.IsAlive;

    /// <summary>Whether this replica was killed after <paramref name="timestamp"/>, i.e. while a question sent then was in flight.</summary>
    public bool KilledAfter(long timestamp) => Interlocked.Read(ref _killedAt) is var killedAt && killedAt != long.MaxValue && killedAt >= timestamp;

    /// <summary>Whether this replica had been killed by <paramref name="timestamp"/>.</summary>
    public bool KilledBy(long timestamp) => Interlocked.Read(ref _killedAt) <= timestamp;

    public void Kill()
    {
        // A dead process's CPU time cannot be read: read it now, so the run's server CPU includes this replica's share.
        process.ReadCpuTime();
        Interlocked.Exchange(ref _killedAt, Stopwatch.GetTimestamp());
        process.Kill();
    }
}

/// <summary>
/// The replicas behind the generator, which plays the load balancer: round robin over the replicas that are up, the way
/// a balancer stops sending to an instance once its health probe fails (here at once, so only requests already in
/// flight on a killed replica are lost).
/// </summary>
public sealed class Replicas : IAsyncDisposable
{
    private readonly List<Replica> _all = [];

    public void Add(ServerProcess process, HttpClient http) => _all.Add(new Replica(process, http));

    /// <summary>The replica for the <paramref name="n"/>th request: the nth in turn, or the next one up after it.</summary>
    public Replica Pick(int n)
    {
        for (var i = 0; i < _all.Count; i++)
        {
            var replica = _all[(n + i) % _all.Count];
            if (replica.IsUp) return replica;
        }
        return _all[n % _all.Count]; // None is up: the request fails and says so.
    }

    /// <summary>Whether a replica had been killed by <paramref name="timestamp"/>: what arrives later, the others served.</summary>
    public bool AnyKilledBy(long timestamp) => _all.Any(r => r.KilledBy(timestamp));

    public Replica KillLast()
    {
        var victim = _all[^1];
        victim.Kill();
        return victim;
    }

    /// <summary>Resident memory of all replicas together (a killed one counts nothing).</summary>
    public long ReadRssBytes() => _all.Sum(r => r.Process.ReadRssBytes());

    public TimeSpan ReadCpuTime() => _all.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Process.ReadCpuTime());

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _all)
        {
            await replica.Process.DisposeAsync();
            replica.Http.Dispose();
        }
    }
}
