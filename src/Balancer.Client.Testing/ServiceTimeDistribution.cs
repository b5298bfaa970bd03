namespace Balancer.Client.Testing;

/// <summary>How a <see cref="ScriptedBackend"/> draws the service time of each request around <see cref="BackendBehavior.MeanServiceTime"/>.</summary>
public enum ServiceTimeDistribution
{
    /// <summary>Every request takes exactly the mean: the easiest to reason about in assertions.</summary>
    Constant,

    /// <summary>Memoryless service times (an M/M/c server): many short requests and a moderate tail.</summary>
    Exponential,

    /// <summary>
    /// A heavy tail, as real services show: the median is below the mean and a few requests take many times longer.
    /// The spread is <see cref="BackendBehavior.LogNormalSigma"/>.
    /// </summary>
    LogNormal,
}
