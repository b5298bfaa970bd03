using Balancer.Client.Feedback;
using Balancer.Client.Inspection;
using Balancer.Client.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.Lab.Soak;

/// <summary>Counts every attempt a balanced client makes (first attempts, retries and hedges alike).</summary>
internal sealed class AttemptCounter : IFeedbackObserver
{
    private long _attempts;

    public long Attempts => Interlocked.Read(ref _attempts);

    public void OnAttemptCompleted(in AttemptFeedback feedback) => Interlocked.Increment(ref _attempts);
}

/// <summary>
/// An in-memory configuration that can be rewritten whole and reloaded, as a file with <c>reloadOnChange</c> is.
/// </summary>
internal sealed class ReloadableConfiguration : ConfigurationProvider, IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    public void Set(IReadOnlyDictionary<string, string?> data)
    {
        Data.Clear();
        foreach (var (key, value) in data)
        {
            Data[key] = value;
        }

        OnReload();
    }
}

/// <summary>
/// The default balanced client as the soak runs it: <c>AddBalancerRetry()</c> with its defaults, an attempt timeout so
/// that a black hole costs a retry rather than the caller's timeout, endpoints bound from configuration that is
/// reloaded every second (the same set in another order, and every fifth second one weight changed).
/// </summary>
internal sealed class SoakBalancedContender(string selector, bool hedging) : LabContender
{
    public const string ClientName = "catalog";

    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);

    public override string Name => selector + "+Retry" + (hedging ? "+Hedging" : string.Empty);

    public override string Description => $"Balancer.Client, selector {selector}, AddBalancerRetry(){(hedging ? " and AddBalancerHedging()" : string.Empty)} with defaults, AttemptTimeout {AttemptTimeout.TotalSeconds:0} s, endpoints reloaded every second";

    public AttemptCounter Attempts { get; private set; } = new();

    public IBalancerInspector? Inspector { get; private set; }

    public ReloadableConfiguration? Configuration { get; private set; }

    public override Task<ContenderClients> CreateAsync(ContenderContext context)
    {
        Attempts = new AttemptCounter();
        Configuration = new ReloadableConfiguration();
        Configuration.Set(Endpoints(context.Backends.Backends, 0));
        var configuration = new ConfigurationBuilder().Add(Configuration).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services
            .AddBalancedHttpClient(ClientName, configuration.GetSection($"Balancer:Clients:{ClientName}"))
            .ConfigureHttpClient(c => c.Timeout = context.Plan.Timeout)
            .AddFeedbackObserver(_ => Attempts);
        builder.AddBalancerRetry();
        if (hedging)
        {
            builder.AddBalancerHedging();
        }

        var provider = services.BuildServiceProvider();
        Inspector = provider.GetRequiredService<IBalancerInspector>();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName);
        return Task.FromResult(new ContenderClients([client], () => provider.DisposeAsync()));
    }

    /// <summary>The endpoints as the <paramref name="round"/>-th reload writes them: rotated by one each time, b1's weight 2 in every fifth.</summary>
    public Dictionary<string, string?> Endpoints(IReadOnlyList<ScriptedBackend> backends, int round)
    {
        var prefix = $"Balancer:Clients:{ClientName}";
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            [$"{prefix}:Selector"] = selector,
            [$"{prefix}:AttemptTimeout"] = AttemptTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < backends.Count; i++)
        {
            var backend = backends[(i + round) % backends.Count];
            data[$"{prefix}:Endpoints:{i}:Address"] = backend.Address.ToString();
            if (round % 5 == 4 && backend.Name == "b1")
            {
                data[$"{prefix}:Endpoints:{i}:Weight"] = "2";
            }
        }

        return data;
    }
}
