using System.Globalization;
using System.IO.Hashing;
using System.Text;
using QaBot.Answering;
using QaBot.Retrieval;

namespace QaBot.Evaluation;

/// <summary>One development question with everything the answerer would weigh, and which candidates hold its answer.</summary>
public sealed record CalibrationQuestion(string Set, EvalQuestion Question, bool FitHalf, QuestionProfile Profile, List<AnswerCandidate> Candidates, bool[] Labels, bool RecallAt5);

/// <summary>The measured figures of one set and half under a model.</summary>
public sealed record CalibrationScore(string Set, string Half, int Questions, double? AnswerHit, double? CitationHit, double? Abstain, double? FalseDecline, double? RecallAt5, double? TopSentenceHit, double? Top3SentenceHit = null);

/// <summary>
/// Fits the offline answerer on the development sets (<c>qabot calibrate</c>): each question goes to the fit or the
/// check half by a hash of its id; the sentence model is fitted on the fit half's answerable questions (a candidate is
/// positive when it contains an accepted answer), the decline model on the fit half's answerable against unanswerable
/// questions, and the decline threshold is the highest whose false-decline rate stays within the target on every
/// large set's fit half. The check half is only scored.
/// </summary>
public static class Calibrator
{
    /// <summary>Runs retrieval and feature extraction for every question of a set, against the services' index.</summary>
    public static async Task<List<CalibrationQuestion>> CollectAsync(string set, IReadOnlyList<EvalQuestion> questions, QueryCorrector corrector, HybridRetriever retriever, AnswerCandidates finder, CancellationToken cancellationToken)
    {
        var result = new List<CalibrationQuestion>(questions.Count);
        foreach (var q in questions)
        {
            // As AnswerService does: typos corrected first.
            var text = corrector.Correct(q.Question);
            var passages = await retriever.RetrieveAsync(text, cancellationToken: cancellationToken);
            var (profile, candidates) = await finder.FindAsync(text, passages, cancellationToken);
            var labels = candidates.Select(c => q.Answerable && q.ExpectAny.Any(e => c.Sentence.Contains(e, StringComparison.OrdinalIgnoreCase))).ToArray();
            var recall = q.SourceHint.Length > 0 && passages.Take(5).Any(p => Matches(p, q.SourceHint));
            result.Add(new CalibrationQuestion(set, q, IsFitHalf(q.Id), profile, candidates, labels, recall));
        }
        return result;
    }

    private const int Folds = 5;

    public static bool IsFitHalf(string id) => XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(id)) % 2 == 0;

    private static bool Matches(RetrievedPassage p, string hint) =>
        p.Chunk.Title.Contains(hint, StringComparison.OrdinalIgnoreCase) || p.Chunk.SourcePath.Contains(hint, StringComparison.OrdinalIgnoreCase);

    /// <summary>Fits the sentence model listwise; each question weighs <paramref name="setWeight"/> of its set.</summary>
    public static LogisticModel FitSentence(IEnumerable<CalibrationQuestion> questions, Func<string, double> setWeight, int? dropFeature = null)
    {
        var groups = questions
            .Where(q => q.FitHalf && q.Question.Answerable && q.Labels.Any(l => l) && q.Labels.Any(l => !l))
            .Select(q => ((IReadOnlyList<double[]>)q.Candidates.Select(c => Drop(c.Features)).ToList(), q.Labels, setWeight(q.Set)))
            .ToList();
        return LogisticRegression.FitListwise(AnswerFeatures.Names, groups);

        double[] Drop(double[] f)
        {
            if (dropFeature is not { } drop) return f;
            var copy = (double[])f.Clone();
            copy[drop] = 0;
            return copy;
        }
    }

    public static LogisticModel FitDecline(IEnumerable<CalibrationQuestion> questions, LogisticModel sentence, Func<string, double> setWeight)
    {
        var x = new List<double[]>();
        var y = new List<bool>();
        var w = new List<double>();
        foreach (var q in questions.Where(q => q.FitHalf))
        {
            x.Add(DeclineFeatures(q, sentence));
            y.Add(q.Question.Answerable);
            w.Add(setWeight(q.Set));
        }
        return LogisticRegression.Fit(AnswerFeatures.DeclineNames, x, y, w);
    }

    private static double[] DeclineFeatures(CalibrationQuestion q, LogisticModel sentence) =>
        AnswerFeatures.Decline(q.Profile, Ranked(q, sentence));

    private static List<(AnswerCandidate Candidate, double Logit)> Ranked(CalibrationQuestion q, LogisticModel sentence) =>
        q.Candidates.Select(c => (Candidate: c, Logit: sentence.Logit(c.Features))).OrderByDescending(x => x.Logit).ThenBy(x => x.Candidate.Rank).ToList();

    /// <summary>The decline probability of every question under the fitted models.</summary>
    public static double[] DeclineProbabilities(IReadOnlyList<CalibrationQuestion> questions, LogisticModel sentence, LogisticModel decline) =>
        questions.Select(q => DeclineProbability(q, sentence, decline)).ToArray();

    private static double DeclineProbability(CalibrationQuestion q, LogisticModel sentence, LogisticModel decline) =>
        q.Candidates.Count == 0 ? 0 : ExtractiveAnswerer.Probability(decline.Logit(DeclineFeatures(q, sentence)));

    /// <summary>
    /// The decline probability of every fit-half question under models fitted without it (k-fold, folds picked by
    /// another hash of the id): probabilities of the questions a model was fitted on are over-confident, so a threshold
    /// chosen on them declines more answerable questions on new ones than it did on them. Check-half entries are NaN.
    /// </summary>
    public static double[] OutOfFoldProbabilities(IReadOnlyList<CalibrationQuestion> questions, Func<string, double> setWeight)
    {
        var result = Enumerable.Repeat(double.NaN, questions.Count).ToArray();
        for (var k = 0; k < Folds; k++)
        {
            var train = questions.Where(q => q.FitHalf && Fold(q) != k).ToList();
            var sentence = FitSentence(train, setWeight);
            var decline = FitDecline(train, sentence, setWeight);
            for (var i = 0; i < questions.Count; i++)
            {
                if (questions[i].FitHalf && Fold(questions[i]) == k) result[i] = DeclineProbability(questions[i], sentence, decline);
            }
        }
        return result;

        int Fold(CalibrationQuestion q) => (int)(XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(q.Question.Id), seed: 1) % Folds);
    }

    /// <summary>(threshold, false-decline rate, abstain rate) of a group of questions, for thresholds at every probability seen.</summary>
    public static List<(double Threshold, double FalseDecline, double Abstain)> Curve(IReadOnlyList<(bool Answerable, double Probability)> group)
    {
        var answerable = Math.Max(1, group.Count(g => g.Answerable));
        var unanswerable = Math.Max(1, group.Count(g => !g.Answerable));
        return group.Select(g => g.Probability).Append(0).Distinct().Order()
            .Select(t => (t, (double)group.Count(g => g.Answerable && g.Probability < t) / answerable, (double)group.Count(g => !g.Answerable && g.Probability < t) / unanswerable))
            .ToList();
    }

    /// <summary>Scores a set's half as <c>qabot eval</c> would, with the answer cut as the bot cuts it.</summary>
    public static CalibrationScore Score(string set, string half, IReadOnlyList<CalibrationQuestion> questions, AnswerModel model, int maxAnswerChars)
    {
        int answerable = 0, hits = 0, citations = 0, falseDeclines = 0, unanswerable = 0, abstained = 0, recall = 0, topHits = 0, top3 = 0;
        foreach (var q in questions)
        {
            var (ranked, declineFeatures) = ExtractiveAnswerer.Rank(model, q.Profile, q.Candidates);
            var declined = ranked.Count == 0 || ExtractiveAnswerer.Probability(model.Decline.Logit(declineFeatures)) < model.DeclineThreshold;
            if (!q.Question.Answerable)
            {
                unanswerable++;
                if (declined) abstained++;
                continue;
            }
            answerable++;
            if (q.RecallAt5) recall++;
            if (declined)
            {
                falseDeclines++;
                continue;
            }
            var best = ranked[0].Candidate;
            var (text, _) = ExtractiveAnswerer.Compose(ranked, q.Profile, maxAnswerChars);
            if (q.Question.ExpectAny.Any(e => text.Contains(e, StringComparison.OrdinalIgnoreCase))) hits++;
            if (q.Labels[q.Candidates.IndexOf(best)]) topHits++;
            if (ranked.Take(3).Any(r => q.Labels[q.Candidates.IndexOf(r.Candidate)])) top3++;
            if (q.Question.SourceHint.Length > 0 && Matches(best.Passage, q.Question.SourceHint)) citations++;
        }
        return new CalibrationScore(set, half, questions.Count, Rate(hits, answerable), Rate(citations, answerable), Rate(abstained, unanswerable),
            Rate(falseDeclines, answerable), Rate(recall, answerable), Rate(topHits, answerable), Rate(top3, answerable));

        static double? Rate(int n, int of) => of == 0 ? null : Math.Round((double)n / of, 3);
    }

    public static string Format(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "–";
}
