namespace Balancer.Client.Selection;

/// <summary>
/// A built-in selector that follows reloads of its client's options without being created again, and that may ask for
/// the client's network probes. The client applies reloaded options through it instead of knowing the selector's type.
/// </summary>
internal interface IReconfigurableSelector
{
    /// <summary>Whether the client's network probes (round trips per endpoint) should run for this selector.</summary>
    bool UsesNetworkProbes { get; }

    /// <summary>Applies reloaded, validated options; the next pick uses them. Never called concurrently with itself.</summary>
    void Reconfigure(BalancerOptions options);
}
