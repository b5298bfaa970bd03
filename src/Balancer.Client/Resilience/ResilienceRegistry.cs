using System.Collections.Concurrent;
using Balancer.Client.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Balancer.Client.Resilience;

/// <summary>Creates and keeps the retry and hedging runtimes of each client (singletons, built on first use).</summary>
internal sealed class ResilienceRegistry(IServiceProvider services)
{
    private readonly ConcurrentDictionary<string, Lazy<RetryRuntime>> _retries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<HedgingRuntime>> _hedging = new(StringComparer.Ordinal);

    public RetryRuntime GetRetry(string name) => _retries.GetOrAdd(name, n => new Lazy<RetryRuntime>(() => new RetryRuntime(
        n,
        services.GetRequiredService<IOptionsMonitor<BalancerRetryOptions>>().Get(n),
        services.GetService<TimeProvider>() ?? TimeProvider.System,
        (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Balancer.Client")))).Value;

    public HedgingRuntime GetHedging(string name) => _hedging.GetOrAdd(name, n => new Lazy<HedgingRuntime>(() => new HedgingRuntime(
        n,
        services.GetRequiredService<IOptionsMonitor<BalancerHedgingOptions>>().Get(n),
        services.GetService<TimeProvider>() ?? TimeProvider.System,
        services.GetRequiredService<BalancerClientRegistry>()))).Value;
}
