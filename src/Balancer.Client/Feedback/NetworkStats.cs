namespace Balancer.Client.Feedback;

/// <summary>
/// The network path to one endpoint as the client measures it: a smoothed round-trip time and its mean deviation
/// (jitter), from the connections the client opens and from the background probes of the
/// <see cref="Selection.EndpointSelectorNames.NetworkAware"/> selector. Reads are wait-free; updates are lock-free.
/// </summary>
/// <remarks>
/// Smoothing follows TCP's retransmission timer (RFC 6298): the deviation moves towards |estimate − sample| by a
/// quarter and the estimate towards the sample. Samples are sparse (one per new connection and per probe), so the gains
/// are larger than TCP's, and asymmetric: a sample above the estimate moves it by a quarter, one below by half, because
/// delays only ever add to a round trip (a busy client measures its own scheduling too) while a short sample shows
/// what the path can do. A lasting change of the path shows after a few samples.
/// </remarks>
public sealed class NetworkStats
{
    private const double RiseGain = 0.25;
    private const double FallGain = 0.5;
    private const double DeviationGain = 0.25;

    // The estimate and the deviation, in seconds, as two floats in one word so that both change in one atomic step.
    private long _packed = Pack(float.NaN, 0);
    private long _samples;
    private int _consecutiveFailures;

    internal NetworkStats()
    {
    }

    /// <summary>Gets the smoothed round-trip time, or <see langword="null"/> before the first sample.</summary>
    public TimeSpan? RoundTripTime
    {
        get
        {
            var (estimate, _) = Read();
            return double.IsNaN(estimate) ? null : TimeSpan.FromSeconds(estimate);
        }
    }

    /// <summary>Gets the mean deviation of the round-trip time (its jitter), or <see langword="null"/> before the first sample.</summary>
    public TimeSpan? RoundTripDeviation
    {
        get
        {
            var (estimate, deviation) = Read();
            return double.IsNaN(estimate) ? null : TimeSpan.FromSeconds(deviation);
        }
    }

    /// <summary>Gets the number of round-trip samples recorded (connections and probes that succeeded).</summary>
    public long Samples => Interlocked.Read(ref _samples);

    /// <summary>Gets the number of failed connection attempts and probes since the last one that succeeded.</summary>
    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    /// <summary>The estimate (NaN before the first sample) and the deviation, in seconds, read together.</summary>
    internal (double Estimate, double Deviation) Read()
    {
        var packed = Volatile.Read(ref _packed);
        return (BitConverter.Int32BitsToSingle((int)(packed >> 32)), BitConverter.Int32BitsToSingle((int)packed));
    }

    /// <summary>As <see cref="Read"/>, with a round trip not measured yet read as 0 (its deviation is 0 then too).</summary>
    internal (double RoundTrip, double Deviation) ReadMeasured()
    {
        var (estimate, deviation) = Read();
        return (double.IsNaN(estimate) ? 0 : estimate, deviation);
    }

    /// <summary>Records one round-trip sample, in seconds.</summary>
    internal void Record(double seconds)
    {
        var sample = (float)Math.Max(0, seconds);
        while (true)
        {
            var current = Volatile.Read(ref _packed);
            var estimate = BitConverter.Int32BitsToSingle((int)(current >> 32));
            var deviation = BitConverter.Int32BitsToSingle((int)current);
            long next;
            if (float.IsNaN(estimate))
            {
                next = Pack(sample, sample / 2);
            }
            else
            {
                var nextDeviation = (float)(((1 - DeviationGain) * deviation) + (DeviationGain * Math.Abs(estimate - sample)));
                var gain = sample < estimate ? FallGain : RiseGain;
                next = Pack((float)(((1 - gain) * estimate) + (gain * sample)), nextDeviation);
            }

            if (Interlocked.CompareExchange(ref _packed, next, current) == current)
            {
                break;
            }
        }

        Interlocked.Increment(ref _samples);
        Volatile.Write(ref _consecutiveFailures, 0);
    }

    /// <summary>Records a connection attempt or probe that failed (refused, unreachable, timed out).</summary>
    internal void RecordFailure() => Interlocked.Increment(ref _consecutiveFailures);

    private static long Pack(float estimate, float deviation) =>
        ((long)BitConverter.SingleToInt32Bits(estimate) << 32) | (uint)BitConverter.SingleToInt32Bits(deviation);
}
