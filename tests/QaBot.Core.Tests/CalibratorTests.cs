using QaBot.Answering;
using QaBot.Chunking;
using QaBot.Evaluation;
using QaBot.Retrieval;

namespace QaBot.Core.Tests;

/// <summary>How <c>qabot calibrate</c> scores the fit half when it chooses the decline threshold.</summary>
public class CalibratorTests
{
    private static readonly string[] Sentences =
    [
        // From the BBC corpus.
        "Mr Molyneux has been a pivotal figure in the computer games industry for almost 20 years.",
        "The 24-year-old England midfielder is determined to see out his contract, despite reported interest from Chelsea.",
    ];

    /// <summary>Synthetic questions with seeded features; every fourth is on the check half. Flipping a question's label leaves its features as they are.</summary>
    private static List<CalibrationQuestion> Questions(int flipped = -1)
    {
        var random = new Random(7);
        var passage = new RetrievedPassage(new Chunk("m#0", "m", "Molyneux", "m.txt", null, null, 0, string.Join(' ', Sentences)), 1, 1, 1);
        var profile = QuestionProfile.Analyze("How long has Molyneux worked in games?", new QaBot.Text.TermStatistics());
        return Enumerable.Range(0, 80).Select(i =>
        {
            var likely = i % 3 != 0;
            var answerable = likely ^ (i == flipped);
            var candidates = Sentences.Select((s, rank) => new AnswerCandidate(passage, rank, s,
                [.. Enumerable.Range(0, AnswerFeatures.Names.Length).Select(_ => random.NextDouble() + (likely && rank == 0 ? 0.5 : 0))])).ToList();
            return new CalibrationQuestion("set", new EvalQuestion($"q{i}", profile.Text, ["20 years"], answerable, ""), i % 4 != 0, profile,
                candidates, [answerable, false], true);
        }).ToList();
    }

    [Fact]
    public void A_fit_half_question_is_scored_by_models_fitted_without_it()
    {
        var questions = Questions();
        var flipped = questions.FindIndex(q => q.FitHalf);
        var withFlip = Questions(flipped);

        var before = Calibrator.OutOfFoldProbabilities(questions, _ => 1);
        var after = Calibrator.OutOfFoldProbabilities(withFlip, _ => 1);

        // The question's own label does not reach the model that scores it; it does reach the others'.
        Assert.Equal(before[flipped], after[flipped], 12);
        Assert.Contains(Enumerable.Range(0, questions.Count), i => i != flipped && questions[i].FitHalf && Math.Abs(before[i] - after[i]) > 1e-9);
        Assert.All(Enumerable.Range(0, questions.Count), i => Assert.Equal(!questions[i].FitHalf, double.IsNaN(before[i])));
        Assert.All(before.Where(p => !double.IsNaN(p)), p => Assert.InRange(p, 0, 1));
    }
}
