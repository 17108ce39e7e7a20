using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QaBot.Answering;
using QaBot.Configuration;
using QaBot.Evaluation;
using QaBot.Retrieval;
using Spectre.Console;
using TradeOff = System.Collections.Generic.List<(double Threshold, double FalseDecline, double Abstain)>;

namespace QaBot.Cli.Commands;

/// <summary>
/// <c>qabot calibrate</c>: fits the offline answerer's weights and decline threshold on the development sets (each
/// over the corpus its README names) and writes them with a report of the fit and check halves.
/// </summary>
internal static class CalibrateCommand
{
    private static readonly string[] SetNames = ["squad-dev", "bbc-dev2", "bbc-dev", "seeds-dev"];

    public static Command Create(Option<bool> verbose)
    {
        var evalDir = new Option<string>("--eval") { Description = "Folder of the development question sets.", DefaultValueFactory = _ => "../shared/eval" };
        var corpora = new Option<string>("--corpora") { Description = "Folder of the corpora they are asked over.", DefaultValueFactory = _ => "../shared/corpora" };
        var output = new Option<string>("--out") { Description = "Where answerer.json and report.md are written.", DefaultValueFactory = _ => "calibration" };
        var newsWeight = new Option<double>("--news-weight") { Description = "Weight of a news question against a SQuAD question in the fit.", DefaultValueFactory = _ => 4.0 };
        var target = new Option<double>("--max-false-declines") { Description = "Highest false-decline rate allowed on each large set's fit half.", DefaultValueFactory = _ => 0.08 };
        var only = new Option<string[]>("--sets") { Description = "Only these sets (for comparing settings quickly; the committed fit uses all).", AllowMultipleArgumentsPerToken = true };
        only.AcceptOnlyFromAmong(SetNames);
        target.Validators.Add(result =>
        {
            if (result.GetValue(target) is < 0 or > 1) result.AddError("--max-false-declines must be between 0 and 1.");
        });
        newsWeight.Validators.Add(result =>
        {
            if (result.GetValue(newsWeight) is not > 0) result.AddError("--news-weight must be greater than 0.");
        });
        var command = new Command("calibrate", "Fit the answerer's weights and decline threshold on the development sets.") { evalDir, corpora, output, newsWeight, target, only };
        // A fit on some sets is for comparison: it must not replace the committed fit, which every answer uses.
        command.Validators.Add(result =>
        {
            if (result.GetResult(only) is { Implicit: false } && result.GetResult(output) is null or { Implicit: true })
                result.AddError("--sets fits on part of the development data; name --out, so calibration/ keeps the fit the bot answers with.");
        });
        command.SetAction(async (parse, ct) =>
        {
            var eval = parse.GetValue(evalDir)!;
            var corpus = parse.GetValue(corpora)!;
            // The pairing of sets and corpora that shared/eval/README.md documents: squad-dev over its own articles, the
            // others over seeds/ and the BBC corpus together.
            var sets = SetNames.Select(name => (Name: name, Roots: name == "squad-dev"
                ? new[] { Path.Combine(corpus, "squad-dev") }
                : ["seeds", Path.Combine(corpus, "bbc")])).ToArray();
            var questions = new List<CalibrationQuestion>();
            var maxAnswerChars = 0;
            var chosen = parse.GetValue(only) is { Length: > 0 } names ? sets.Where(s => names.Contains(s.Name)).ToArray() : sets;
            foreach (var group in chosen.GroupBy(s => string.Join('|', s.Roots)))
            {
                using var host = CliHost.Build(parse.GetValue(verbose), answerModel: false);
                await CliHost.IndexAsync(host.Services, group.First().Roots, ct);
                var retriever = host.Services.GetRequiredService<HybridRetriever>();
                var finder = host.Services.GetRequiredService<AnswerCandidates>();
                var corrector = host.Services.GetRequiredService<IndexSnapshots>().Current.Vocabulary;
                // The report scores answers cut as the bot cuts them.
                maxAnswerChars = host.Services.GetRequiredService<IOptions<AnsweringOptions>>().Value.MaxAnswerChars;
                foreach (var (name, _) in group)
                {
                    var set = EvalQuestion.Load(Path.Combine(eval, name + ".jsonl"));
                    CliHost.Diagnostics.WriteLine($"{name}: {set.Count} questions");
                    questions.AddRange(await Calibrator.CollectAsync(name, set, corrector, retriever, finder, ct));
                }
            }

            var weight = parse.GetValue(newsWeight);
            double SetWeight(string set) => set == "squad-dev" ? 1.0 : weight;
            var sentence = Calibrator.FitSentence(questions, SetWeight);
            var decline = Calibrator.FitDecline(questions, sentence, SetWeight);
            var probabilities = Calibrator.DeclineProbabilities(questions, sentence, decline);
            // The threshold is chosen on the fit half as models fitted without each question score it, not as the
            // final model (fitted on all of it) does.
            var outOfFold = Calibrator.OutOfFoldProbabilities(questions, SetWeight);
            var groups = new[] { ("squad-dev", (Func<string, bool>)(s => s == "squad-dev")), ("news (bbc-dev2, bbc-dev, seeds-dev)", s => s != "squad-dev") };
            List<(string Group, TradeOff Curve)> CurvesOf(bool fitHalf) =>
                [.. groups.Select(g => (g.Item1, Calibrator.Curve(questions.Select((q, i) => (q, i))
                    .Where(x => x.q.FitHalf == fitHalf && g.Item2(x.q.Set)).Select(x => (x.q.Question.Answerable, fitHalf ? outOfFold[x.i] : probabilities[x.i])).ToList())))];
            var curves = CurvesOf(fitHalf: true);
            var maxFalseDeclines = parse.GetValue(target);
            var threshold = curves.Where(c => c.Curve.Count > 1).Min(c => c.Curve.Where(p => p.FalseDecline <= maxFalseDeclines).Max(p => p.Threshold));
            var model = new AnswerModel(AnswerModel.CurrentVersion, sentence, decline, Math.Round(threshold, 6));

            var outDir = parse.GetValue(output)!;
            Directory.CreateDirectory(outDir);
            await File.WriteAllTextAsync(Path.Combine(outDir, "answerer.json"), JsonSerializer.Serialize(model, AnswerModel.Json) + "\n", ct);
            var report = Report(questions, model, curves, CurvesOf(fitHalf: false), weight, maxFalseDeclines, SetWeight, maxAnswerChars);
            await File.WriteAllTextAsync(Path.Combine(outDir, "report.md"), report, ct);
            Console.WriteLine(report);
            return 0;
        });
        return command;
    }

    private static string Report(List<CalibrationQuestion> questions, AnswerModel model, List<(string Group, TradeOff Curve)> curves,
        List<(string Group, TradeOff Curve)> checkCurves, double newsWeight, double maxFalseDeclines, Func<string, double> setWeight, int maxAnswerChars)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# Calibration of the offline answerer").AppendLine();
        sb.AppendLine("Written by `qabot calibrate` (see README). Questions go to the fit or the check half by a hash of their id; only the fit half is fitted on.");
        sb.AppendLine(c, $"News questions weigh {newsWeight} SQuAD questions in the fit. Decline threshold: {model.DeclineThreshold:0.000} (the highest with a false-decline rate ≤ {maxFalseDeclines} on each group's fit half, each question scored by models fitted without it).").AppendLine();
        sb.AppendLine("| set | half | questions | answer hit | citation hit | abstain | false declines | recall@5 | top sentence holds answer | one of top 3 does |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var set in questions.Select(q => q.Set).Distinct())
        {
            foreach (var (half, fit) in new[] { ("fit", true), ("check", false) })
            {
                var s = Calibrator.Score(set, half, questions.Where(q => q.Set == set && q.FitHalf == fit).ToList(), model, maxAnswerChars);
                sb.AppendLine(c, $"| {set} | {half} | {s.Questions} | {F(s.AnswerHit)} | {F(s.CitationHit)} | {F(s.Abstain)} | {F(s.FalseDecline)} | {F(s.RecallAt5)} | {F(s.TopSentenceHit)} | {F(s.Top3SentenceHit)} |");
            }
        }

        sb.AppendLine().AppendLine("## Sentence model").AppendLine().AppendLine("| feature | weight (standardised) |").AppendLine("| --- | ---: |");
        for (var i = 0; i < model.Sentence.Features.Length; i++) sb.AppendLine(c, $"| {model.Sentence.Features[i]} | {model.Sentence.Weights[i]:0.000} |");
        sb.AppendLine().AppendLine("## Decline model").AppendLine().AppendLine("| feature | weight (standardised) |").AppendLine("| --- | ---: |");
        for (var i = 0; i < model.Decline.Features.Length; i++) sb.AppendLine(c, $"| {model.Decline.Features[i]} | {model.Decline.Weights[i]:0.000} |");
        sb.AppendLine();

        // The check half's curve shows whether a change lifts the curve or only moves the threshold along it.
        foreach (var (half, halfCurves) in new[] { ("fit half, out of fold", curves), ("check half", checkCurves) })
        {
            sb.AppendLine(c, $"## Decline trade-off ({half})").AppendLine();
            foreach (var (group, curve) in halfCurves)
            {
                sb.AppendLine(c, $"{group}:").AppendLine().AppendLine("| threshold | false declines | abstain |").AppendLine("| ---: | ---: | ---: |");
                foreach (var fd in new[] { 0.0, 0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5 })
                {
                    var point = curve.Where(p => p.FalseDecline <= fd).MaxBy(p => p.Threshold);
                    sb.AppendLine(c, $"| {point.Threshold:0.000} | {point.FalseDecline:0.000} | {point.Abstain:0.000} |");
                }
                sb.AppendLine();
            }
        }

        // Each feature earns its place: the check half's top-sentence hit rate without it, against the full model.
        sb.AppendLine("## Ablation (check half, share of answerable questions whose top sentence holds the answer)").AppendLine();
        sb.AppendLine("| without | squad-dev | bbc-dev2 |").AppendLine("| --- | ---: | ---: |");
        var noDecline = model with { DeclineThreshold = 0 };
        sb.AppendLine(c, $"| (full model) | {Top(noDecline, "squad-dev")} | {Top(noDecline, "bbc-dev2")} |");
        if (questions.Select(q => q.Set).Distinct().Count() < 2) return sb.ToString();
        for (var j = 0; j < AnswerFeatures.Names.Length; j++)
        {
            var ablated = noDecline with { Sentence = Calibrator.FitSentence(questions, setWeight, j) };
            sb.AppendLine(c, $"| {AnswerFeatures.Names[j]} | {Top(ablated, "squad-dev")} | {Top(ablated, "bbc-dev2")} |");
        }
        return sb.ToString();

        string Top(AnswerModel m, string set) => F(Calibrator.Score(set, "check", questions.Where(q => q.Set == set && !q.FitHalf).ToList(), m, maxAnswerChars).TopSentenceHit);
        static string F(double? v) => Calibrator.Format(v);
    }
}
