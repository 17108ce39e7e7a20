using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Answering;
using QaBot.Configuration;
using QaBot.Evaluation;
using QaBot.Ingestion;

namespace QaBot.Cli.Commands;

/// <summary>
/// Measures the speed and memory bars: ingestion time (median of several fresh indexes), per-question latency over
/// many rounds of the question sets, and peak RSS. Prints a table and a JSON line.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(Option<string[]> docs, Option<bool> verbose)
    {
        var questions = new Option<string[]>("--questions") { Description = "Question sets whose questions are timed.", Required = true, AllowMultipleArgumentsPerToken = true };
        var ingestRuns = new Option<int>("--ingest-runs") { Description = "Fresh indexes built to time ingestion.", DefaultValueFactory = _ => 3 };
        var rounds = new Option<int>("--rounds") { Description = "Times each question is asked.", DefaultValueFactory = _ => 20 };
        var command = new Command("bench", "Benchmark ingestion time, answer latency (p50/p95) and peak memory.") { questions, ingestRuns, rounds };
        command.SetAction(async (parse, ct) =>
        {
            var set = parse.GetValue(questions)!.SelectMany(EvalQuestion.Load).Select(q => q.Question).ToList();
            var ingestTimes = new List<double>();
            IngestionReport? report = null;
            IServiceProvider? services = null;
            var hosts = new List<IDisposable>();
            double inputMb = 0, ingestRssPerInputMb = 0;
            for (var run = 0; run < Math.Max(1, parse.GetValue(ingestRuns)); run++)
            {
                // Each run indexes into a fresh container; only the last is kept for the latency part.
                foreach (var h in hosts) h.Dispose();
                hosts.Clear();
                var host = CliHost.Build(parse.GetValue(verbose));
                hosts.Add(host);
                GC.Collect();
                using var process = Process.GetCurrentProcess();
                var before = process.WorkingSet64;
                report = await CliHost.IndexAsync(host.Services, parse.GetValue(docs), ct);
                ingestTimes.Add(report.Elapsed.TotalMilliseconds);
                services = host.Services;
                if (run == 0)
                {
                    // What the first index added at its peak, per megabyte of files read (the process peak only grows,
                    // so later runs cannot be told apart).
                    process.Refresh();
                    var roots = CliHost.Roots(host.Services, parse.GetValue(docs)).Select(PathResolver.Resolve);
                    inputMb = host.Services.GetRequiredService<DocumentLoader>().FindFiles(roots).Sum(f => new FileInfo(f.Path).Length) / (1024.0 * 1024.0);
                    ingestRssPerInputMb = inputMb > 0 ? (process.PeakWorkingSet64 - before) / (1024.0 * 1024.0) / inputMb : 0;
                }
            }

            var answers = services!.GetRequiredService<AnswerService>();
            foreach (var q in set) await answers.AskAsync(q, cancellationToken: ct);
            var latencies = new List<double>();
            var retrieval = new List<double>();
            var answering = new List<double>();
            for (var round = 0; round < parse.GetValue(rounds); round++)
            {
                foreach (var q in set)
                {
                    var clock = Stopwatch.StartNew();
                    var answer = await answers.AskAsync(q, cancellationToken: ct);
                    latencies.Add(clock.Elapsed.TotalMilliseconds);
                    retrieval.Add(answer.Timing.Retrieval.TotalMilliseconds);
                    answering.Add(answer.Timing.Answering.TotalMilliseconds);
                }
            }
            latencies.Sort();
            retrieval.Sort();
            answering.Sort();
            ingestTimes.Sort();
            var result = new
            {
                documents = report!.Documents,
                chunks = report.Passages,
                ingest_ms_median = Math.Round(Evaluator.Percentile(ingestTimes, 0.5)),
                ingest_runs = ingestTimes.Count,
                questions_timed = latencies.Count,
                p50_ms = Math.Round(Evaluator.Percentile(latencies, 0.50), 2),
                p95_ms = Math.Round(Evaluator.Percentile(latencies, 0.95), 2),
                p99_ms = Math.Round(Evaluator.Percentile(latencies, 0.99), 2),
                retrieval_p50_ms = Math.Round(Evaluator.Percentile(retrieval, 0.50), 2),
                answering_p50_ms = Math.Round(Evaluator.Percentile(answering, 0.50), 2),
                peak_rss_mb = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0), 1),
                input_mb = Math.Round(inputMb, 2),
                ingest_peak_rss_per_input_mb = Math.Round(ingestRssPerInputMb, 1),
            };
            Console.WriteLine($"ingest  {result.documents} documents, {result.chunks} passages: median {result.ingest_ms_median} ms over {result.ingest_runs} runs (bar 20000 ms, ratio {result.ingest_ms_median / 20000:F3})");
            Console.WriteLine($"answer  {result.questions_timed} questions: p50 {result.p50_ms} ms (bar 15, ratio {result.p50_ms / 15:F3}), p95 {result.p95_ms} ms (bar 50, ratio {result.p95_ms / 50:F3}), p99 {result.p99_ms} ms (p50 of steps: retrieval {result.retrieval_p50_ms} ms, answering {result.answering_p50_ms} ms)");
            Console.WriteLine($"memory  peak RSS {result.peak_rss_mb} MB (bar 1024, ratio {result.peak_rss_mb / 1024:F3}); the first index added {result.ingest_peak_rss_per_input_mb} MB per MB of its {result.input_mb} MB of input (target < 10)");
            Console.WriteLine(JsonSerializer.Serialize(result));
            foreach (var h in hosts) h.Dispose();
            return 0;
        });
        return command;
    }
}
