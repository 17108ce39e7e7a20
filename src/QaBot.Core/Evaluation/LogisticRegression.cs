using QaBot.Answering;

namespace QaBot.Evaluation;

/// <summary>
/// Weighted L2-regularised logistic regression by Newton's method on standardised features. Hand-written: a dozen
/// features and a hundred thousand rows need twenty lines, not a machine-learning framework.
/// </summary>
public static class LogisticRegression
{
    public static LogisticModel Fit(string[] names, IReadOnlyList<double[]> x, IReadOnlyList<bool> y, IReadOnlyList<double> weight, double l2 = 1.0, int iterations = 30)
    {
        var d = names.Length;
        var mean = new double[d];
        var scale = new double[d];
        var total = weight.Sum();
        for (var j = 0; j < d; j++)
        {
            for (var i = 0; i < x.Count; i++) mean[j] += weight[i] * x[i][j];
            mean[j] /= total;
            double variance = 0;
            for (var i = 0; i < x.Count; i++) variance += weight[i] * Math.Pow(x[i][j] - mean[j], 2);
            scale[j] = Math.Sqrt(variance / total) is var s && s > 1e-9 ? s : 1;
        }

        // beta[0] is the bias; beta[1..] the weights of the standardised features.
        var beta = new double[d + 1];
        var z = new double[d + 1];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var gradient = new double[d + 1];
            var hessian = new double[d + 1, d + 1];
            for (var i = 0; i < x.Count; i++)
            {
                z[0] = 1;
                for (var j = 0; j < d; j++) z[j + 1] = (x[i][j] - mean[j]) / scale[j];
                double logit = 0;
                for (var j = 0; j <= d; j++) logit += beta[j] * z[j];
                var p = 1 / (1 + Math.Exp(-logit));
                var w = weight[i];
                var residual = (y[i] ? 1 : 0) - p;
                for (var a = 0; a <= d; a++)
                {
                    gradient[a] += w * residual * z[a];
                    for (var b = a; b <= d; b++) hessian[a, b] += w * p * (1 - p) * z[a] * z[b];
                }
            }
            for (var a = 1; a <= d; a++)
            {
                gradient[a] -= l2 * beta[a];
                hessian[a, a] += l2;
            }
            for (var a = 0; a <= d; a++) for (var b = 0; b < a; b++) hessian[a, b] = hessian[b, a];
            var step = Solve(hessian, gradient);
            var change = 0.0;
            for (var j = 0; j <= d; j++)
            {
                beta[j] += step[j];
                change = Math.Max(change, Math.Abs(step[j]));
            }
            if (change < 1e-7) break;
        }
        return new LogisticModel(names, Round(mean), Round(scale), Round(beta[1..]), Math.Round(beta[0], 6));

        static double[] Round(double[] v) => v.Select(x => Math.Round(x, 6)).ToArray();
    }

    /// <summary>
    /// Listwise (conditional logit) fit for ranking: for each group (a question's candidates), maximises the
    /// probability that a softmax over the group picks one of its positives. This fits what the answerer does, take
    /// the top candidate, rather than each candidate's probability on its own. Minorise-maximise Newton steps: the
    /// curvature of the whole group bounds the objective's, so each step improves it.
    /// </summary>
    public static LogisticModel FitListwise(string[] names, IReadOnlyList<(IReadOnlyList<double[]> X, bool[] Positive, double Weight)> groups, double l2 = 1.0, int iterations = 40)
    {
        var d = names.Length;
        var rows = groups.SelectMany(g => g.X.Select(x => (X: x, W: g.Weight / g.X.Count))).ToList();
        var total = rows.Sum(r => r.W);
        var mean = new double[d];
        var scale = new double[d];
        for (var j = 0; j < d; j++)
        {
            mean[j] = rows.Sum(r => r.W * r.X[j]) / total;
            var variance = rows.Sum(r => r.W * Math.Pow(r.X[j] - mean[j], 2)) / total;
            scale[j] = Math.Sqrt(variance) is var sd && sd > 1e-9 ? sd : 1;
        }

        var beta = new double[d];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var gradient = new double[d];
            var hessian = new double[d, d];
            foreach (var (xs, positive, weight) in groups)
            {
                var z = xs.Select(x => Enumerable.Range(0, d).Select(j => (x[j] - mean[j]) / scale[j]).ToArray()).ToList();
                var s = z.Select(v => v.Select((x, j) => x * beta[j]).Sum()).ToArray();
                var max = s.Max();
                var e = s.Select(v => Math.Exp(v - max)).ToArray();
                var all = e.Sum();
                var pos = e.Where((_, i) => positive[i]).Sum();
                var mu = new double[d];
                for (var i = 0; i < z.Count; i++)
                {
                    var p = e[i] / all;
                    var t = positive[i] ? e[i] / pos : 0;
                    for (var a = 0; a < d; a++)
                    {
                        gradient[a] += weight * (t - p) * z[i][a];
                        mu[a] += p * z[i][a];
                        for (var b = a; b < d; b++) hessian[a, b] += weight * p * z[i][a] * z[i][b];
                    }
                }
                for (var a = 0; a < d; a++) for (var b = a; b < d; b++) hessian[a, b] -= weight * mu[a] * mu[b];
            }
            for (var a = 0; a < d; a++)
            {
                gradient[a] -= l2 * beta[a];
                hessian[a, a] += l2;
                for (var b = 0; b < a; b++) hessian[a, b] = hessian[b, a];
            }
            var step = Solve(hessian, gradient);
            var change = 0.0;
            for (var j = 0; j < d; j++)
            {
                beta[j] += step[j];
                change = Math.Max(change, Math.Abs(step[j]));
            }
            if (change < 1e-6) break;
        }
        return new LogisticModel(names, mean.Select(x => Math.Round(x, 6)).ToArray(), scale.Select(x => Math.Round(x, 6)).ToArray(), beta.Select(x => Math.Round(x, 6)).ToArray(), 0);
    }

    /// <summary>Gaussian elimination with partial pivoting (the matrix is small and positive definite).</summary>
    private static double[] Solve(double[,] a, double[] b)
    {
        var n = b.Length;
        var m = (double[,])a.Clone();
        var v = (double[])b.Clone();
        for (var c = 0; c < n; c++)
        {
            var pivot = c;
            for (var r = c + 1; r < n; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[pivot, c])) pivot = r;
            if (pivot != c)
            {
                for (var k = 0; k < n; k++) (m[c, k], m[pivot, k]) = (m[pivot, k], m[c, k]);
                (v[c], v[pivot]) = (v[pivot], v[c]);
            }
            for (var r = c + 1; r < n; r++)
            {
                var f = m[r, c] / m[c, c];
                for (var k = c; k < n; k++) m[r, k] -= f * m[c, k];
                v[r] -= f * v[c];
            }
        }
        var x = new double[n];
        for (var r = n - 1; r >= 0; r--)
        {
            var s = v[r];
            for (var k = r + 1; k < n; k++) s -= m[r, k] * x[k];
            x[r] = s / m[r, r];
        }
        return x;
    }
}
