namespace Balancer.Client.Testing.Simulation;

/// <summary>The order of events: by virtual time, then by the order they were scheduled in, so that runs are deterministic.</summary>
internal readonly record struct EventKey(long Time, long Sequence) : IComparable<EventKey>
{
    public int CompareTo(EventKey other)
    {
        var byTime = Time.CompareTo(other.Time);
        return byTime != 0 ? byTime : Sequence.CompareTo(other.Sequence);
    }
}
