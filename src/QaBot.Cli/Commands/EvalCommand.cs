using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Answering;
using QaBot.Evaluation;

namespace QaBot.Cli.Commands;

internal static class EvalCommand
{
    private static readonly string[] WarmUpQuestions =
    [
        "How much did profits rise?", "How many people were there?", "Who is the chief executive?", "When did it start?",
        "Where was it held?", "Which company won?", "What was the score?", "How old is he?", "What happened next?",
    ];

    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create(Option<string[]> docs, Option<bool> verbose)
    {
        var questions = new Option<string>("--questions") { Description = "Question set, one JSON object a line (shared/eval/README.md).", Required = true };
        var json = new Option<string?>("--json") { Description = "Also write per-question results to this file." };
        var minHit = new Option<double?>("--min-answer-hit") { Description = "Quality gate: exit 3 when the answer hit rate is lower." };
        var minCitation = new Option<double?>("--min-citation-hit") { Description = "Quality gate: exit 3 when the citation hit rate is lower." };
        var minAbstain = new Option<double?>("--min-abstain") { Description = "Quality gate: exit 3 when the share of unanswerable questions declined is lower." };
        var maxFalseDeclines = new Option<double?>("--max-false-declines") { Description = "Quality gate: exit 3 when the share of answerable questions declined is higher." };
        var command = new Command("eval", "Run a question set through the bot's pipeline; the last line of output is the JSON summary.") { questions, json, minHit, minCitation, minAbstain, maxFalseDeclines };
        json.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValue(json))) result.AddError("--json needs a file path.");
        });
        foreach (var gate in new[] { minHit, minCitation, minAbstain, maxFalseDeclines })
        {
            gate.Validators.Add(result =>
            {
                if (result.GetValue(gate) is { } bar && bar is not (>= 0 and <= 1)) result.AddError($"{gate.Name} must be a rate between 0 and 1.");
            });
        }
        command.SetAction(async (parse, ct) =>
        {
            var set = EvalQuestion.Load(parse.GetValue(questions)!);
            // Opened before the run, so a path that cannot be written fails now, not after every question was asked.
            await using var jsonFile = parse.GetValue(json) is { } jsonPath ? File.Create(jsonPath) : null;
            using var host = CliHost.Build(parse.GetValue(verbose));
            var report = await CliHost.IndexAsync(host.Services, parse.GetValue(docs), ct);

            // Latency is reported for a warm process, as a running bot serves it: a few generic, untimed questions of
            // each kind first, so the timings measure answering, not the JIT compiling each code path once.
            var answers = host.Services.GetRequiredService<AnswerService>();
            foreach (var warmUp in WarmUpQuestions) await answers.AskAsync(warmUp, cancellationToken: ct);
            var results = await host.Services.GetRequiredService<Evaluator>().RunAsync(set, ct);
            foreach (var r in results)
            {
                var verdict = r.Answerable ? (r.Hit ? "hit " : r.Declined ? "DECL" : "MISS") : (r.Declined ? "decl" : "ANSW");
                // One line a question, whatever line breaks a question or answer holds.
                Console.WriteLine($"{verdict} {r.Id}: {r.Question.ReplaceLineEndings(" ")} -> {r.Answer.ReplaceLineEndings(" ")}");
            }

            if (jsonFile is not null) await JsonSerializer.SerializeAsync(jsonFile, results, Indented, ct);
            var summary = Evaluator.Summarize(results, (long)report.Elapsed.TotalMilliseconds, report.Passages);
            // Gate failures go to stderr, so the JSON summary stays the last line of stdout.
            var failures = new List<string>();
            Gate("answer_hit_rate", summary.AnswerHitRate, parse.GetValue(minHit), higherIsBetter: true);
            Gate("citation_hit_rate", summary.CitationHitRate, parse.GetValue(minCitation), higherIsBetter: true);
            Gate("abstain_accuracy", summary.AbstainAccuracy, parse.GetValue(minAbstain), higherIsBetter: true);
            Gate("false_decline_rate", summary.FalseDeclineRate, parse.GetValue(maxFalseDeclines), higherIsBetter: false);
            foreach (var failure in failures) await Console.Error.WriteLineAsync("Quality gate failed: " + failure);
            Console.WriteLine(JsonSerializer.Serialize(summary));
            return failures.Count == 0 ? 0 : 3;

            void Gate(string name, double? value, double? bar, bool higherIsBetter)
            {
                if (bar is not { } b) return;
                // A gate on a rate the set cannot measure (no answerable, or no unanswerable, questions) fails rather than passes.
                if (value is not { } v) failures.Add($"{name} was not measured: the set has no questions of that kind");
                else if (higherIsBetter ? v < b : v > b) failures.Add($"{name} {v} is {(higherIsBetter ? "below" : "above")} {b}");
            }
        });
        return command;
    }
}
