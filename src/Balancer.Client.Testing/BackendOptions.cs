using Microsoft.AspNetCore.Builder;

namespace Balancer.Client.Testing;

/// <summary>What <see cref="ScriptedBackend.StartAsync(BackendOptions, CancellationToken)"/> starts.</summary>
public sealed class BackendOptions
{
    /// <summary>Gets or sets the backend's name, sent back in header <see cref="BackendHeaders.Backend"/> and as the body of GET responses.</summary>
    /// <value>The default value is <c>backend</c>. Printable ASCII only, as it travels in a header.</value>
    public string Name { get; set; } = "backend";

    /// <summary>Gets or sets the behaviour the backend starts with; the same instance stays live and can be changed while the backend runs.</summary>
    /// <value>The default value is a <see cref="BackendBehavior"/> with its defaults: 5 ms exponential service time, no faults.</value>
    public BackendBehavior Behavior { get; set; } = new();

    /// <summary>
    /// Gets or sets the seed of the backend's random choices (service times, failures, resets), for reproducible runs;
    /// <see langword="null"/> uses a shared random source.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public int? Seed { get; set; }

    /// <summary>
    /// Gets or sets the clock behind service times and stall windows; a fake clock lets a test step through them.
    /// <see langword="null"/> uses <see cref="TimeProvider.System"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>The largest <see cref="RequestLogCapacity"/>.</summary>
    public const int MaxRequestLogCapacity = 10_000_000;

    /// <summary>
    /// Gets or sets how many of the most recent requests <see cref="ScriptedBackend.Received"/> keeps; older ones are
    /// dropped. Raise it for long runs that check every request (duplicate bodies, say); 0 keeps none.
    /// </summary>
    /// <value>The default value is 10,000. Allowed: 0 to <see cref="MaxRequestLogCapacity"/>.</value>
    public int RequestLogCapacity { get; set; } = Internal.RequestLog.DefaultCapacity;

    /// <summary>
    /// Gets or sets middleware added before the scripted handler, such as <c>app.UseBalancerLoadReports()</c> from
    /// Balancer.Client.AspNetCore, so that a backend can report its load. Runs again on <see cref="ScriptedBackend.RestartAsync"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (the scripted handler only).</value>
    public Action<IApplicationBuilder>? ConfigurePipeline { get; set; }
}
