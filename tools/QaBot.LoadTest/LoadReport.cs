using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QaBot.LoadTest;

/// <summary>Resident memory of the server: when it became ready, one minute into the measured run, at the end, and the peak sampled.</summary>
public sealed record MemoryFigures(long ReadyBytes, long? Minute1Bytes, long EndBytes, long PeakBytes)
{
    /// <summary>Growth from minute 1 to the end, in percent: a leak shows here once caches and pools have filled.</summary>
    public double? GrowthPercent => Minute1Bytes is { } m ? 100.0 * (EndBytes - m) / m : null;
}

/// <summary>CPU used per wall-clock second (1.0 = one core busy) by the server and by the load generator itself.</summary>
public sealed record CpuFigures(double ServerCores, double LoadGeneratorCores, int MachineCores);

/// <summary>The 1-minute load average of the machine (other work competes for the same cores).</summary>
public sealed record MachineLoad(double OneMinute)
{
    public static MachineLoad Read() =>
        new(double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture));
}

/// <summary>The result of a load run, printed as a table and as one JSON line.</summary>
public sealed record LoadReport(
    string Mode,
    int Replicas,
    string State,
    int? KilledReplicaAtSecond,
    int Concurrency,
    int MeasuredSeconds,
    long Questions,
    long Answered,
    long Declined,
    double AnswersPerSecond,
    double MinAnswersPerSecond,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    long Errors,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    long LostFollowUps,
    long DuplicateAnswers,
    long LostInFlight,
    long? AnswersAfterKill,
    long RateLimited,
    long TypingReceived,
    long UnmatchedActivities,
    double RssReadyMb,
    double? RssMinute1Mb,
    double RssEndMb,
    double RssPeakMb,
    double? RssGrowthPercent,
    double ServerCpuCores,
    double LoadGeneratorCpuCores,
    int MachineCores,
    double LoadAverageBefore,
    double LoadAverageAfter,
    bool Passed)
{
    private static readonly Outcome[] ErrorKinds = [Outcome.HttpError, Outcome.SendFailed, Outcome.MissingAnswer, Outcome.PoliteError, Outcome.Misrouted];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static LoadReport Create(LoadOptions o, LoadStats stats, long typing, long unmatched, long duplicates, MemoryFigures memory,
        CpuFigures cpu, MachineLoad before, MachineLoad after)
    {
        var latency = stats.Latency;
        var perSecond = (double)stats.RepliesInWindow / o.Seconds;
        var growth = memory.GrowthPercent;
        // The bars: no errors, lost follow-ups or duplicate answers ever; the throughput bar for the main run; the memory bar for a soak.
        var passed = stats.Errors == 0 && stats.LostFollowUps == 0 && duplicates == 0
            && (o.Soak ? growth < o.MaxRssGrowthPercent : perSecond >= o.MinAnswersPerSecond);
        var killAt = o.KillReplicaAfterSeconds > 0 && o.Replicas > 1 ? o.KillReplicaAfterSeconds : (int?)null;
        return new LoadReport(
            o.Soak ? "soak" : "load", o.Replicas, o.State, killAt,
            o.Concurrency, o.Seconds, stats.Total, stats[Outcome.Answered], stats[Outcome.Declined],
            Math.Round(perSecond, 1), o.MinAnswersPerSecond, Ms(latency.Percentile(50)), Ms(latency.Percentile(95)), Ms(latency.Percentile(99)), Ms(latency.Max),
            stats.Errors, ErrorKinds.ToDictionary(k => k.ToString(), k => stats[k]), stats.LostFollowUps, duplicates, stats[Outcome.LostInFlight],
            killAt is null ? null : stats.AnswersAfterKill,
            stats[Outcome.RateLimited], typing, unmatched,
            Mb(memory.ReadyBytes), memory.Minute1Bytes is { } m ? Mb(m) : null, Mb(memory.EndBytes), Mb(memory.PeakBytes),
            growth is { } g ? Math.Round(g, 1) : null,
            Math.Round(cpu.ServerCores, 2), Math.Round(cpu.LoadGeneratorCores, 2), cpu.MachineCores, before.OneMinute, after.OneMinute, passed);
    }

    public void WriteTable(TextWriter w)
    {
        w.WriteLine();
        w.WriteLine($"QaBot {Mode} run: {Replicas} replica(s), {State} state, {Concurrency} concurrent conversations, {MeasuredSeconds} s measured"
            + (KilledReplicaAtSecond is { } k ? $", one replica killed at {k} s" : ""));
        w.WriteLine(new string('-', 72));
        Row(w, "questions sent", $"{Questions}");
        Row(w, "answered / declined", $"{Answered} / {Declined}");
        Row(w, "answered questions per second", $"{AnswersPerSecond:F1}  (bar: >= {MinAnswersPerSecond})");
        Row(w, "latency p50 / p95 / p99 / max", $"{P50Ms:F1} / {P95Ms:F1} / {P99Ms:F1} / {MaxMs:F1} ms");
        Row(w, "errors", $"{Errors}  ({string.Join(", ", ErrorsByKind.Select(e => $"{e.Key} {e.Value}"))})");
        Row(w, "lost follow-ups", $"{LostFollowUps}  (bar: 0)");
        Row(w, "duplicate answers", $"{DuplicateAnswers}  (bar: 0)");
        if (KilledReplicaAtSecond is not null)
        {
            Row(w, "lost in flight on the killed replica", $"{LostInFlight}");
            Row(w, "answers after the kill (the others)", $"{AnswersAfterKill}");
        }
        Row(w, "rate-limited replies", $"{RateLimited}");
        Row(w, "typing activities received", $"{TypingReceived}");
        Row(w, "unmatched activities", $"{UnmatchedActivities}");
        Row(w, "server RSS ready / end / peak (all)", $"{RssReadyMb:F1} / {RssEndMb:F1} / {RssPeakMb:F1} MB");
        if (RssMinute1Mb is { } m1) Row(w, "server RSS minute 1 -> end", $"{m1:F1} -> {RssEndMb:F1} MB ({RssGrowthPercent:+0.0;-0.0}%)");
        Row(w, "CPU cores used: server / generator", $"{ServerCpuCores:F2} / {LoadGeneratorCpuCores:F2} of {MachineCores}");
        Row(w, "load average before / after", $"{LoadAverageBefore:F2} / {LoadAverageAfter:F2}");
        Row(w, "result", Passed ? "PASS" : "FAIL");
        w.WriteLine(new string('-', 72));
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    private static void Row(TextWriter w, string label, string value) => w.WriteLine($"{label,-40}{value}");

    private static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 1);

    private static double Mb(long bytes) => Math.Round(bytes / 1048576.0, 1);
}
