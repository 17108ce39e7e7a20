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
        var (mean, scale) = Standardisation(d, x.Select((row, i) => (row, weight[i])).ToList());
        // z[i][0] is 1, for the bias (beta[0]); z[i][1..] the standardised features.
        var z = x.Select(row => Enumerable.Range(0, d + 1).Select(j => j == 0 ? 1 : (row[j - 1] - mean[j - 1]) / scale[j - 1]).ToArray()).ToList();
        var beta = Maximise(d + 1, iterations, 1e-7, Objective, b =>
        {
            var gradient = new double[d + 1];
            var hessian = new double[d + 1, d + 1];
            for (var i = 0; i < z.Count; i++)
            {
                var p = Sigmoid(Dot(z[i], b));
                var w = weight[i];
                var residual = (y[i] ? 1 : 0) - p;
                for (var a = 0; a <= d; a++)
                {
                    gradient[a] += w * residual * z[i][a];
                    for (var c = a; c <= d; c++) hessian[a, c] += w * p * (1 - p) * z[i][a] * z[i][c];
                }
            }
            for (var a = 1; a <= d; a++)
            {
                gradient[a] -= l2 * b[a];
                hessian[a, a] += l2;
            }
            return (gradient, hessian);
        });
        return new LogisticModel(names, Round(mean), Round(scale), Round(beta[1..]), Math.Round(beta[0], 6));

        // The penalised log-likelihood (the bias is not penalised).
        double Objective(double[] b)
        {
            var sum = -0.5 * l2 * b.Skip(1).Sum(v => v * v);
            for (var i = 0; i < z.Count; i++)
            {
                var logit = Dot(z[i], b);
                // log p and log(1 - p) without overflow: -log(1 + e^-t) and -log(1 + e^t).
                sum -= weight[i] * Softplus(y[i] ? -logit : logit);
            }
            return sum;
        }
    }

    /// <summary>
    /// Listwise (conditional logit) fit for ranking: for each group (a question's candidates), maximises the
    /// probability that a softmax over the group picks one of its positives. This fits what the answerer does, take
    /// the top candidate, rather than each candidate's probability on its own.
    /// </summary>
    public static LogisticModel FitListwise(string[] names, IReadOnlyList<(IReadOnlyList<double[]> X, bool[] Positive, double Weight)> groups, double l2 = 1.0, int iterations = 40)
    {
        var d = names.Length;
        var (mean, scale) = Standardisation(d, groups.SelectMany(g => g.X.Select(x => (x, g.Weight / g.X.Count))).ToList());
        var standardised = groups.Select(g => g.X.Select(x => Enumerable.Range(0, d).Select(j => (x[j] - mean[j]) / scale[j]).ToArray()).ToList()).ToList();
        var beta = Maximise(d, iterations, 1e-6, Objective, b =>
        {
            var gradient = new double[d];
            var hessian = new double[d, d];
            for (var g = 0; g < groups.Count; g++)
            {
                var (z, positive, weight) = (standardised[g], groups[g].Positive, groups[g].Weight);
                var e = Exponentials(z, b);
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
                        for (var c = a; c < d; c++) hessian[a, c] += weight * p * z[i][a] * z[i][c];
                    }
                }
                for (var a = 0; a < d; a++) for (var c = a; c < d; c++) hessian[a, c] -= weight * mu[a] * mu[c];
            }
            for (var a = 0; a < d; a++)
            {
                gradient[a] -= l2 * b[a];
                hessian[a, a] += l2;
            }
            return (gradient, hessian);
        });
        return new LogisticModel(names, Round(mean), Round(scale), Round(beta), 0);

        // The penalised log-likelihood: each group's log share of its positives in the softmax.
        double Objective(double[] b)
        {
            var sum = -0.5 * l2 * b.Sum(v => v * v);
            for (var g = 0; g < groups.Count; g++)
            {
                var e = Exponentials(standardised[g], b);
                sum += groups[g].Weight * Math.Log(e.Where((_, i) => groups[g].Positive[i]).Sum() / e.Sum());
            }
            return sum;
        }
    }

    /// <summary>
    /// Newton's method from zero, each step halved until the objective improves: a full step overshoots, and can
    /// diverge, where a feature nearly separates the classes. <paramref name="derivatives"/> gives the gradient and the
    /// upper triangle of the (negative) Hessian.
    /// </summary>
    private static double[] Maximise(int size, int iterations, double tolerance, Func<double[], double> objective, Func<double[], (double[] Gradient, double[,] Hessian)> derivatives)
    {
        var beta = new double[size];
        var value = objective(beta);
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var (gradient, hessian) = derivatives(beta);
            for (var a = 0; a < size; a++) for (var c = 0; c < a; c++) hessian[a, c] = hessian[c, a];
            var step = Solve(hessian, gradient);
            double[] next;
            double nextValue;
            var length = 1.0;
            do
            {
                next = beta.Select((b, j) => b + length * step[j]).ToArray();
                nextValue = objective(next);
                length /= 2;
            }
            while (!(nextValue >= value) && length > 1e-6);
            var change = beta.Zip(next, (a, b) => Math.Abs(a - b)).Max();
            (beta, value) = (next, nextValue);
            if (change < tolerance) break;
        }
        return beta;
    }

    /// <summary>Weighted mean and standard deviation of each feature; a constant feature keeps scale 1.</summary>
    private static (double[] Mean, double[] Scale) Standardisation(int d, List<(double[] X, double W)> rows)
    {
        var total = rows.Sum(r => r.W);
        var mean = new double[d];
        var scale = new double[d];
        for (var j = 0; j < d; j++)
        {
            mean[j] = rows.Sum(r => r.W * r.X[j]) / total;
            var variance = rows.Sum(r => r.W * Math.Pow(r.X[j] - mean[j], 2)) / total;
            scale[j] = Math.Sqrt(variance) is var sd && sd > 1e-9 ? sd : 1;
        }
        return (mean, scale);
    }

    /// <summary>Each candidate's softmax numerator, relative to the largest so that none overflows.</summary>
    private static double[] Exponentials(List<double[]> z, double[] beta)
    {
        var s = z.Select(v => Dot(v, beta)).ToArray();
        var max = s.Max();
        return s.Select(v => Math.Exp(v - max)).ToArray();
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (var j = 0; j < a.Length; j++) sum += a[j] * b[j];
        return sum;
    }

    private static double Sigmoid(double t) => 1 / (1 + Math.Exp(-t));

    private static double Softplus(double t) => t > 30 ? t : Math.Log(1 + Math.Exp(t));

    private static double[] Round(double[] v) => v.Select(x => Math.Round(x, 6)).ToArray();

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
