namespace QaBot.LoadTest;

/// <summary>How one question ended.</summary>
public enum Outcome
{
    /// <summary>An answer with content.</summary>
    Answered,

    /// <summary>The bot said it could not find the answer in the articles: a correct, complete reply.</summary>
    Declined,

    /// <summary>The bot refused politely because the conversation or user asked too often (HTTP 429 or a reply saying so).</summary>
    RateLimited,

    /// <summary>/api/messages answered with a status other than 2xx (or 429).</summary>
    HttpError,

    /// <summary>The POST itself failed: connection refused or reset.</summary>
    SendFailed,

    /// <summary>No answer activity arrived within the answer timeout.</summary>
    MissingAnswer,

    /// <summary>The answer activity was the bot's "something went wrong" apology.</summary>
    PoliteError,

    /// <summary>The answer came back for a different conversation than the question's.</summary>
    Misrouted,

    /// <summary>The question was in flight on a replica when it was killed: the cost of the kill, counted apart from errors.</summary>
    LostInFlight,
}

/// <summary>Counters and latencies of the measured questions; safe for concurrent recording, fixed in size.</summary>
public sealed class LoadStats
{
    private readonly long[] _outcomes = new long[Enum.GetValues<Outcome>().Length];
    private long _repliesInWindow;
    private long _lostFollowUps;
    private long _answersAfterKill;

    public LatencyHistogram Latency { get; } = new();

    public void Record(Outcome outcome, TimeSpan? latency)
    {
        Interlocked.Increment(ref _outcomes[(int)outcome]);
        if (latency is { } l) Latency.Record(l);
    }

    /// <summary>An answer or decline arrived inside the measured window (whenever its question was asked).</summary>
    public void CountReplyInWindow() => Interlocked.Increment(ref _repliesInWindow);

    public long RepliesInWindow => Interlocked.Read(ref _repliesInWindow);

    /// <summary>A follow-up was answered without its conversation's earlier turns (see <c>LoadRunner</c>).</summary>
    public void CountLostFollowUp() => Interlocked.Increment(ref _lostFollowUps);

    public long LostFollowUps => Interlocked.Read(ref _lostFollowUps);

    /// <summary>An answer or decline arrived after a replica was killed, so a surviving one gave it.</summary>
    public void CountAnswerAfterKill() => Interlocked.Increment(ref _answersAfterKill);

    public long AnswersAfterKill => Interlocked.Read(ref _answersAfterKill);

    public long this[Outcome outcome] => Interlocked.Read(ref _outcomes[(int)outcome]);

    public long Total => _outcomes.Sum();

    public long Errors => this[Outcome.HttpError] + this[Outcome.SendFailed] + this[Outcome.MissingAnswer] + this[Outcome.PoliteError] + this[Outcome.Misrouted];
}
