namespace Balancer.Client.Diagnostics;

/// <summary>Checks <see cref="BalancerOptions.Telemetry"/>; each problem goes to the caller's error sink (field, value, problem).</summary>
internal static class TelemetryValidation
{
    public static void Validate(TelemetryOptions? options, FieldError error)
    {
        if (options is null)
        {
            error("Telemetry", null, "is not set");
        }
    }
}
