using System.Diagnostics;
using System.Text.Json.Serialization;
using QaBot.Answering;

namespace QaBot.Evaluation;

public sealed record EvalResult(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("answer")] string Answer,
    [property: JsonPropertyName("declined")] bool Declined,
    [property: JsonPropertyName("answerable")] bool Answerable,
    [property: JsonPropertyName("hit")] bool Hit,
    [property: JsonPropertyName("citation_hit")] bool CitationHit,
    [property: JsonPropertyName("recall_at_5")] bool RecallAt5,
    [property: JsonPropertyName("ms")] double Milliseconds,
    [property: JsonPropertyName("citations")] IReadOnlyList<Citation> Citations);

/// <summary>The summary line of `qabot eval`; property order and names are the published format.</summary>
public sealed record EvalSummary(
    [property: JsonPropertyName("questions")] int Questions,
    [property: JsonPropertyName("answerable")] int Answerable,
    [property: JsonPropertyName("answer_hit_rate")] double? AnswerHitRate,
    [property: JsonPropertyName("abstain_accuracy")] double? AbstainAccuracy,
    [property: JsonPropertyName("false_decline_rate")] double? FalseDeclineRate,
    [property: JsonPropertyName("citation_hit_rate")] double? CitationHitRate,
    [property: JsonPropertyName("recall_at_5")] double? RecallAt5,
    [property: JsonPropertyName("ingest_ms")] long IngestMs,
    [property: JsonPropertyName("chunks")] int Chunks,
    [property: JsonPropertyName("p50_ms")] double P50Ms,
    [property: JsonPropertyName("p95_ms")] double P95Ms,
    [property: JsonPropertyName("peak_rss_mb")] double PeakRssMb);

/// <summary>Runs a question set through the same <see cref="AnswerService"/> the bot uses and scores it.</summary>
public sealed class Evaluator(AnswerService answers)
{
    private const int RecallDepth = 5;

    public async Task<IReadOnlyList<EvalResult>> RunAsync(IReadOnlyList<EvalQuestion> questions, CancellationToken cancellationToken = default)
    {
        var results = new List<EvalResult>(questions.Count);
        foreach (var q in questions)
        {
            var clock = Stopwatch.StartNew();
            var answer = await answers.AskAsync(q.Question, conversationId: null, cancellationToken);
            var ms = clock.Elapsed.TotalMilliseconds;
            results.Add(Score(q, answer, ms));
        }
        return results;
    }

    public static EvalResult Score(EvalQuestion q, Answer answer, double ms)
    {
        // The answer text alone (not sources or quotes), as a user would read it, capped at 300 characters.
        var text = answer.Text.Length > 300 ? answer.Text[..300] : answer.Text;
        var hit = !answer.Declined && q.ExpectAny.Any(e => text.Contains(e, StringComparison.OrdinalIgnoreCase));
        var first = answer.Citations.Count > 0 ? answer.Citations[0] : null;
        var citationHit = !answer.Declined && first is not null && q.SourceHint.Length > 0 && Matches(first.Title, first.Source, q.SourceHint);
        var recall = q.SourceHint.Length > 0 && answer.Passages.Take(RecallDepth).Any(p => Matches(p.Chunk.Title, p.Chunk.SourcePath, q.SourceHint));
        return new EvalResult(q.Id, q.Question, answer.Text, answer.Declined, q.Answerable, hit, citationHit, recall, ms, answer.Citations);
    }

    private static bool Matches(string title, string source, string hint) =>
        title.Contains(hint, StringComparison.OrdinalIgnoreCase) || source.Contains(hint, StringComparison.OrdinalIgnoreCase);

    public static EvalSummary Summarize(IReadOnlyList<EvalResult> results, long ingestMs, int chunks)
    {
        var answerable = results.Where(r => r.Answerable).ToList();
        var unanswerable = results.Where(r => !r.Answerable).ToList();
        var latencies = results.Select(r => r.Milliseconds).Order().ToList();
        return new EvalSummary(
            results.Count,
            answerable.Count,
            Rate(answerable, r => r.Hit),
            Rate(unanswerable, r => r.Declined),
            Rate(answerable, r => r.Declined),
            Rate(answerable, r => r.CitationHit),
            Rate(answerable, r => r.RecallAt5),
            ingestMs,
            chunks,
            Math.Round(Percentile(latencies, 0.50), 2),
            Math.Round(Percentile(latencies, 0.95), 2),
            Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0), 1));
    }

    private static double? Rate(List<EvalResult> results, Func<EvalResult, bool> predicate) =>
        results.Count == 0 ? null : Math.Round((double)results.Count(predicate) / results.Count, 4);

    /// <summary>Nearest-rank percentile of an ascending list.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return 0;
        var rank = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}
