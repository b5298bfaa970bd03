using Balancer.Client.Network;

namespace Balancer.Client.Selection;

/// <summary>Checks <see cref="BalancerOptions.NetworkAware"/>; each problem goes to the caller's error sink (field, value, problem).</summary>
internal static class NetworkAwareValidation
{
    public static void Validate(NetworkAwareOptions? options, FieldError error)
    {
        if (options is null)
        {
            error("NetworkAware", null, "is not set");
            return;
        }

        if (options.LocalZone is { Length: > 0 } zone && (string.IsNullOrWhiteSpace(zone) || zone.Trim().Length != zone.Length))
        {
            error("NetworkAware.LocalZone", zone, "has leading or trailing spaces; zones are compared as written (case-insensitive), so it would match no endpoint");
        }

        if (options.CrossZonePenalty < TimeSpan.Zero || options.CrossZonePenalty > NetworkConstants.MaxCrossZonePenalty)
        {
            error("NetworkAware.CrossZonePenalty", options.CrossZonePenalty, $"is out of range; allowed from {TimeSpan.Zero} to {NetworkConstants.MaxCrossZonePenalty}");
        }

        if (double.IsNaN(options.SpilloverThreshold) || options.SpilloverThreshold < 1 || options.SpilloverThreshold > NetworkConstants.MaxSpilloverThreshold)
        {
            error("NetworkAware.SpilloverThreshold", options.SpilloverThreshold, $"is out of range; allowed from 1 to {NetworkConstants.MaxSpilloverThreshold:0}");
        }

        if (options.Probes is not { } probes)
        {
            error("NetworkAware.Probes", null, "is not set");
            return;
        }

        if (probes.Interval < NetworkConstants.MinProbeInterval || probes.Interval > NetworkConstants.MaxProbeInterval)
        {
            error("NetworkAware.Probes.Interval", probes.Interval, $"is out of range; allowed from {NetworkConstants.MinProbeInterval} to {NetworkConstants.MaxProbeInterval}");
        }

        if (probes.Timeout < NetworkConstants.MinProbeTimeout || probes.Timeout > NetworkConstants.MaxProbeTimeout)
        {
            error("NetworkAware.Probes.Timeout", probes.Timeout, $"is out of range; allowed from {NetworkConstants.MinProbeTimeout} to {NetworkConstants.MaxProbeTimeout}");
        }

        if (double.IsNaN(probes.Jitter) || probes.Jitter < 0 || probes.Jitter >= 1)
        {
            error("NetworkAware.Probes.Jitter", probes.Jitter, "is out of range; allowed from 0 up to (not including) 1");
        }

        if (probes.MaxConcurrency < 1 || probes.MaxConcurrency > NetworkConstants.MaxProbeConcurrency)
        {
            error("NetworkAware.Probes.MaxConcurrency", probes.MaxConcurrency, $"is out of range; allowed from 1 to {NetworkConstants.MaxProbeConcurrency}");
        }
    }
}
