namespace Balancer.Client.Testing.Internal;

/// <summary>
/// The recent rate of events per second, as an exponentially decaying count with time constant <see cref="TimeConstant"/>:
/// at a steady rate λ it converges to λ, and an idle meter falls towards 0.
/// </summary>
internal sealed class RateMeter(TimeProvider time)
{
    /// <summary>The time constant τ of the decay: an event's weight falls to 1/e after τ.</summary>
    public static readonly TimeSpan TimeConstant = TimeSpan.FromSeconds(1);

    private readonly object _lock = new();
    private double _value;
    private long _last = time.GetTimestamp();

    public void Mark()
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            _value = (_value * Decay(now - _last)) + (1 / TimeConstant.TotalSeconds);
            _last = now;
        }
    }

    public double PerSecond()
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            return _value * Decay(now - _last);
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _value = 0;
            _last = time.GetTimestamp();
        }
    }

    private double Decay(long elapsed) =>
        elapsed <= 0 ? 1 : Math.Exp(-elapsed / (TimeConstant.TotalSeconds * time.TimestampFrequency));
}
