namespace Balancer.Client.Feedback.ClassEstimates;

/// <summary>
/// The online model of one endpoint: per request class, time- and count-decayed sums of latency, squared latency,
/// attempts and failures. Recording is lock-free (one interlocked exchange and five compare-and-swap loops, O(1));
/// a reader may see one field a sample ahead of another, which moves an estimate by at most one sample's weight.
/// </summary>
internal sealed class EndpointModel(int classes)
{
    private readonly Cell[] _cells = new Cell[classes];

    public int Classes => _cells.Length;

    /// <summary>
    /// Records one completed attempt of class <paramref name="classIndex"/>. Older samples keep the weight
    /// min(exp(−Δt/τ), 1 − 1/window): the model remembers about the last window samples, or τ, whichever is shorter.
    /// A failure counts as a latency sample only when it took longer than the current mean (a timeout); a fast failure
    /// (refused, 503) is never evidence of speed.
    /// </summary>
    public void Record(int classIndex, bool failure, double latencySeconds, long timestamp, double inverseDecay, int window)
    {
        ref var cell = ref _cells[classIndex];
        var previous = Interlocked.Exchange(ref cell.Timestamp, timestamp);
        var keep = previous == 0 ? 0 : Math.Min(Math.Exp(-Math.Max(0, timestamp - previous) * inverseDecay), 1 - (1.0 / window));
        var samples = Volatile.Read(ref cell.Samples);
        var counts = !failure || samples <= 0 || latencySeconds > Volatile.Read(ref cell.LatencySum) / samples;
        EndpointStats.AddDecayed(ref cell.Attempts, 1, keep);
        EndpointStats.AddDecayed(ref cell.Failures, failure ? 1 : 0, keep);
        EndpointStats.AddDecayed(ref cell.Samples, counts ? 1 : 0, keep);
        EndpointStats.AddDecayed(ref cell.LatencySum, counts ? latencySeconds : 0, keep);
        EndpointStats.AddDecayed(ref cell.SquareSum, counts ? latencySeconds * latencySeconds : 0, keep);
    }

    /// <summary>
    /// Gives class <paramref name="classIndex"/> an estimate from elsewhere (a fleet's median) when it has never had a
    /// sample: <paramref name="weight"/> latency samples of mean <paramref name="latencySeconds"/> and coefficient of
    /// variation 1, but no attempts (so no evidence about failures, and <see cref="ClassEstimate.Attempts"/> still tells
    /// the endpoint's own attempts). They fade as any older sample does, so the endpoint's own samples take over.
    /// Lock-free: an attempt recorded at the same moment is kept too.
    /// </summary>
    /// <returns>Whether the estimate was taken (false once the class has a sample).</returns>
    public bool Seed(int classIndex, double latencySeconds, double weight, long timestamp)
    {
        ref var cell = ref _cells[classIndex];
        if (Interlocked.CompareExchange(ref cell.Timestamp, timestamp, 0) != 0)
        {
            return false;
        }

        EndpointStats.AddDecayed(ref cell.Samples, weight, 1);
        EndpointStats.AddDecayed(ref cell.LatencySum, weight * latencySeconds, 1);
        EndpointStats.AddDecayed(ref cell.SquareSum, weight * 2 * latencySeconds * latencySeconds, 1);
        return true;
    }

    /// <summary>
    /// Sums up every class with samples as of <paramref name="timestamp"/>: the mean latency weighted by each class's
    /// effective samples, the fastest and slowest class means, and how many classes have samples.
    /// </summary>
    public ClassSummary Summarize(long timestamp, double inverseDecay)
    {
        double sum = 0, samples = 0, fastest = double.MaxValue, slowest = 0;
        var classes = 0;
        for (var c = 0; c < Classes; c++)
        {
            var estimate = Read(c, timestamp, inverseDecay);
            if (estimate.Samples <= 0)
            {
                continue;
            }

            sum += estimate.Mean * estimate.Samples;
            samples += estimate.Samples;
            fastest = Math.Min(fastest, estimate.Mean);
            slowest = Math.Max(slowest, estimate.Mean);
            classes++;
        }

        return samples <= 0 ? default : new ClassSummary(samples, sum / samples, fastest, slowest, classes);
    }

    /// <summary>Reads class <paramref name="classIndex"/> as of <paramref name="timestamp"/>: counts decay with the time since its last sample.</summary>
    public ClassEstimate Read(int classIndex, long timestamp, double inverseDecay)
    {
        ref var cell = ref _cells[classIndex];
        var last = Volatile.Read(ref cell.Timestamp);
        if (last == 0)
        {
            return default;
        }

        var idle = Math.Exp(-Math.Max(0, timestamp - last) * inverseDecay);
        var samples = Volatile.Read(ref cell.Samples);
        var mean = samples > 0 ? Volatile.Read(ref cell.LatencySum) / samples : 0;
        var variance = samples > 0 ? Math.Max(0, (Volatile.Read(ref cell.SquareSum) / samples) - (mean * mean)) : 0;
        return new ClassEstimate(samples * idle, mean, variance, Volatile.Read(ref cell.Attempts) * idle, Volatile.Read(ref cell.Failures) * idle);
    }

    private struct Cell
    {
        public double Samples;
        public double LatencySum;
        public double SquareSum;
        public double Attempts;
        public double Failures;
        public long Timestamp;
    }
}

/// <summary>What the model knows of one endpoint and class: effective samples, latency mean and variance, attempts and failures.</summary>
internal readonly record struct ClassEstimate(double Samples, double Mean, double Variance, double Attempts, double Failures)
{
    /// <summary>How many samples the endpoint-wide estimates (peak-EWMA latency, failure rate) are worth as the prior of a class.</summary>
    public const double PriorSamples = 2;

    /// <summary>The prior coefficient of variation of latency (that of an exponential distribution).</summary>
    public const double PriorVariation = 1;

    /// <summary>
    /// The posterior of the class's mean latency, with the endpoint's peak-EWMA latency <paramref name="prior"/> worth
    /// <see cref="PriorSamples"/> samples of coefficient of variation 1: the mean is the weighted
    /// average; the uncertainty, the standard deviation of ln(mean), is the pooled coefficient of variation ÷ √(n₀ + n).
    /// With no samples the estimate is the prior, as the peak-EWMA selector uses it.
    /// </summary>
    public (double Latency, double Uncertainty) Latency(double prior)
    {
        const double N0 = PriorSamples;
        var n = Samples;
        var total = N0 + n;
        var latency = ((N0 * prior) + (n * Mean)) / total;
        var variation = n > 0 && Mean > 0 ? Variance / (Mean * Mean) : 0;
        var pooled = ((N0 * PriorVariation * PriorVariation) + (n * variation)) / total;
        return (latency, Math.Sqrt(pooled / total));
    }

    /// <summary>The posterior failure probability: (n₀ × <paramref name="prior"/> + failures) ÷ (n₀ + attempts).</summary>
    public double FailureProbability(double prior)
    {
        const double N0 = PriorSamples;
        return Math.Clamp(((N0 * prior) + Failures) / (N0 + Attempts), 0, 1);
    }
}

/// <summary>
/// The classes of one endpoint summed up (see <see cref="EndpointModel.Summarize"/>): effective samples, their weighted
/// mean latency, the fastest and slowest class means (seconds) and the number of classes with samples; default when none has.
/// </summary>
internal readonly record struct ClassSummary(double Samples, double Mean, double Fastest, double Slowest, int Classes);
