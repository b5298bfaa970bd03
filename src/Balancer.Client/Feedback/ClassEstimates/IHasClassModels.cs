namespace Balancer.Client.Feedback.ClassEstimates;

/// <summary>A selector that learns per request class (MlScored): its models, for a fleet's warm start (<see cref="Runtime.RequestClassEstimates"/>).</summary>
internal interface IHasClassModels
{
    /// <summary>Gets the selector's per-endpoint, per-class models.</summary>
    EndpointModels ClassModels { get; }
}
