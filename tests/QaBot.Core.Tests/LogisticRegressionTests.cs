using QaBot.Evaluation;

namespace QaBot.Core.Tests;

/// <summary>The fitters behind <c>qabot calibrate</c>, on data whose answer is known.</summary>
public class LogisticRegressionTests
{
    [Fact]
    public void The_pointwise_fit_recovers_the_weights_that_generated_the_labels()
    {
        var random = new Random(3);
        var x = Enumerable.Range(0, 4000).Select(_ => new[] { random.NextDouble() * 4 - 2, random.NextDouble() * 4 - 2 }).ToList();
        // True model: logit = 1.5 a - 1.0 b + 0.5, on features whose scale is about 1.15 (uniform on [-2, 2]).
        var y = x.Select(v => random.NextDouble() < 1 / (1 + Math.Exp(-(1.5 * v[0] - 1.0 * v[1] + 0.5)))).ToList();
        var model = LogisticRegression.Fit(["a", "b"], x, y, [.. x.Select(_ => 1.0)]);

        // Weights are per standard deviation of each feature; divide back to compare with the generating ones.
        Assert.InRange(model.Weights[0] / model.Scale[0], 1.3, 1.7);
        Assert.InRange(model.Weights[1] / model.Scale[1], -1.2, -0.8);
        Assert.True(model.Logit([1.0, 0.0]) > model.Logit([0.0, 0.0]));
    }

    [Fact]
    public void A_feature_that_almost_separates_the_candidates_gives_finite_weights_that_rank_the_positives_first()
    {
        // Each group has one positive whose first feature is the group's highest, on top of noise; the second feature
        // is noise alone. Weighted heavily, so the penalty barely holds the weight back: a full Newton step from zero
        // overshoots on such data.
        var random = new Random(5);
        var groups = Enumerable.Range(0, 200).Select(_ =>
        {
            var rows = Enumerable.Range(0, 30).Select(i => new[] { (i == 0 ? 1.0 : 0.0) + 0.01 * random.NextDouble(), random.NextDouble() }).ToList();
            return ((IReadOnlyList<double[]>)rows, Enumerable.Range(0, 30).Select(i => i == 0).ToArray(), 50.0);
        }).ToList();
        var model = LogisticRegression.FitListwise(["separating", "noise"], groups);

        Assert.All(model.Weights, w => Assert.True(double.IsFinite(w)));
        Assert.True(model.Weights[0] > 1);
        Assert.True(Math.Abs(model.Weights[1]) < model.Weights[0] / 10);
        Assert.All(groups, g => Assert.Equal(0, Enumerable.Range(0, g.Item1.Count).MaxBy(i => model.Logit(g.Item1[i]))));
    }
}
