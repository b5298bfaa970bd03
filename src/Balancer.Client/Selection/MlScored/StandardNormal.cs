namespace Balancer.Client.Selection.MlScored;

/// <summary>
/// Standard normal draws for Thompson sampling from a table of 1,024 quantiles (at (i + ½) ÷ 1,024): one random
/// number and one array read per draw, no logarithm. Tails end at about ±3.3, which is all exploration needs.
/// </summary>
internal static class StandardNormal
{
    private const int Size = 1024;
    private static readonly double[] s_quantiles = Build();

    public static double Next(RandomSource random) => s_quantiles[random.Next(Size)];

    /// <summary>The inverse normal distribution function (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    internal static double Quantile(double p)
    {
        ReadOnlySpan<double> a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        ReadOnlySpan<double> b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        ReadOnlySpan<double> c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        ReadOnlySpan<double> d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double Low = 0.02425;
        if (p < Low || p > 1 - Low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p < Low ? p : 1 - p));
            var x = Polynomial(c, q) / ((Polynomial(d, q) * q) + 1);
            return p < Low ? x : -x;
        }

        var r = p - 0.5;
        var s = r * r;
        return Polynomial(a, s) * r / ((Polynomial(b, s) * s) + 1);
    }

    /// <summary>Horner's rule: k₀xⁿ⁻¹ + k₁xⁿ⁻² + … + kₙ₋₁.</summary>
    private static double Polynomial(ReadOnlySpan<double> k, double x)
    {
        var sum = k[0];
        for (var i = 1; i < k.Length; i++)
        {
            sum = (sum * x) + k[i];
        }

        return sum;
    }

    private static double[] Build()
    {
        var table = new double[Size];
        for (var i = 0; i < Size; i++)
        {
            table[i] = Quantile((i + 0.5) / Size);
        }

        return table;
    }
}
