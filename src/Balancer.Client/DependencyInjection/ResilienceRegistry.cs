using System.Collections.Concurrent;
using Balancer.Client.Endpoints;
using Balancer.Client.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Balancer.Client.DependencyInjection;

/// <summary>
/// Creates and keeps the retry and hedging runtimes of each client and the one budget they share (singletons, built
/// on first use). The budget takes its settings from the client's <see cref="BalancerRetryOptions"/>, also when the
/// client hedges without retrying.
/// </summary>
internal sealed class ResilienceRegistry(IServiceProvider services)
{
    private readonly ConcurrentDictionary<string, Lazy<RetryRuntime>> _retries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<HedgingRuntime>> _hedging = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<RetryBudget>> _budgets = new(StringComparer.Ordinal);

    private TimeProvider TimeProvider => services.GetService<TimeProvider>() ?? TimeProvider.System;

    public RetryRuntime GetRetry(string name) => _retries.GetOrAdd(name, n => new Lazy<RetryRuntime>(() => new RetryRuntime(
        n,
        services.GetRequiredService<IOptionsMonitor<BalancerRetryOptions>>().Get(n),
        GetBudget(n),
        TimeProvider,
        (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Balancer.Client")))).Value;

    public HedgingRuntime GetHedging(string name) => _hedging.GetOrAdd(name, n => new Lazy<HedgingRuntime>(() => new HedgingRuntime(
        n,
        services.GetRequiredService<IOptionsMonitor<BalancerHedgingOptions>>().Get(n),
        GetBudget(n),
        TimeProvider,
        ClientEndpoints(n)))).Value;

    public RetryBudget GetBudget(string name) => _budgets.GetOrAdd(name, n => new Lazy<RetryBudget>(() =>
    {
        var options = services.GetRequiredService<IOptionsMonitor<BalancerRetryOptions>>().Get(n);
        return new RetryBudget(TimeProvider, options.BudgetWindow, options.BudgetRatio, options.MinRetriesPerWindow);
    })).Value;

    /// <summary>The current endpoints of the balanced client <paramref name="name"/> (started on first use), or none.</summary>
    private Func<BalancerEndpoint[]> ClientEndpoints(string name)
    {
        var clients = services.GetRequiredService<BalancerClientRegistry>();
        return () => clients.IsBalanced(name) ? clients.Get(name).Endpoints : [];
    }
}
