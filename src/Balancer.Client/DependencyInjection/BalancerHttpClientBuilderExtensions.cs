using System.Diagnostics.CodeAnalysis;
using Balancer.Client.DependencyInjection;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Resilience;
using Balancer.Client.Selection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Per-client settings of a balanced client's <see cref="IHttpClientBuilder"/>.</summary>
public static class BalancerHttpClientBuilderExtensions
{
    /// <summary>
    /// Uses a selector of type <typeparamref name="TSelector"/> for this client, whatever <c>Selector</c> names in options.
    /// One instance is created through DI for the client.
    /// </summary>
    /// <typeparam name="TSelector">The selector type.</typeparam>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder UseEndpointSelector<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSelector>(this IHttpClientBuilder builder)
        where TSelector : class, IEndpointSelector =>
        builder.UseEndpointSelector(typeof(TSelector).Name, sp => ActivatorUtilities.CreateInstance<TSelector>(sp));

    /// <summary>Uses the selector that <paramref name="factory"/> creates for this client, whatever <c>Selector</c> names in options.</summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="displayName">The name reported in telemetry and logs.</param>
    /// <param name="factory">Creates the client's selector, once.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder UseEndpointSelector(this IHttpClientBuilder builder, string displayName, Func<IServiceProvider, IEndpointSelector> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(displayName);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton(new ClientSelectorOverride(builder.Name, displayName, factory));
        return builder;
    }

    /// <summary>
    /// Adds a source of endpoints for this client (DNS, a registry, a resolver; see <see cref="IEndpointSource"/>). The
    /// client uses the endpoints of its options and of every source, merged; with a source, the options may list none.
    /// </summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="factory">Creates the source, once per client, when the client is first used.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddEndpointSource(this IHttpClientBuilder builder, Func<IServiceProvider, IEndpointSource> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton(new EndpointSourceRegistration(builder.Name, factory));
        return builder;
    }

    /// <summary>
    /// Sets the subsetter that chooses, at run time, which of the service's endpoints this client instance uses and what
    /// share of its load each gets (see <see cref="IEndpointSubsetter"/>), instead of <see cref="Balancer.Client.BalancerOptions.Subsetting"/>,
    /// which must then be off. The last one set wins.
    /// </summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="factory">Creates the subsetter, once per client, when the client is first used.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder UseEndpointSubsetter(this IHttpClientBuilder builder, Func<IServiceProvider, IEndpointSubsetter> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton(new EndpointSubsetterRegistration(builder.Name, factory));
        return builder;
    }

    /// <summary>Adds a source of endpoints of type <typeparamref name="TSource"/>, created through DI once per client.</summary>
    /// <typeparam name="TSource">The source type.</typeparam>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddEndpointSource<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSource>(this IHttpClientBuilder builder)
        where TSource : class, IEndpointSource =>
        builder.AddEndpointSource(sp => ActivatorUtilities.CreateInstance<TSource>(sp));

    /// <summary>Adds an observer that receives every completed attempt of this client (see <see cref="IFeedbackObserver"/>).</summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="factory">Creates the observer, once per client.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddFeedbackObserver(this IHttpClientBuilder builder, Func<IServiceProvider, IFeedbackObserver> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton(new FeedbackObserverRegistration(builder.Name, factory));
        return builder;
    }

    /// <summary>
    /// Sends this client's active health checks through the handler that <paramref name="factory"/> creates instead of
    /// the client's primary handler (which they use by default, with its client certificates and certificate validation).
    /// The handler is the whole transport of the checks: neither the client's delegating handlers nor the balancer are in
    /// front of it. A new one is created after the client's handler lifetime (<c>SetHandlerLifetime</c>, 2 minutes by
    /// default); the checks dispose the handlers they created.
    /// </summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="factory">Creates a handler for the checks, for example a <see cref="SocketsHttpHandler"/> with other credentials.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder ConfigureHealthCheckHandler(this IHttpClientBuilder builder, Func<IServiceProvider, HttpMessageHandler> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton(new HealthCheckHandlerRegistration(builder.Name, factory));
        return builder;
    }

    /// <summary>
    /// Adds retry on another endpoint: each retry picks again and avoids the endpoints this request already tried.
    /// Connection failures before anything was sent are retried for every method; 5xx, 408, 429, timeouts and resets only
    /// for idempotent methods unless opted in; bodies are resent only when replayable; a retry budget caps retries at a
    /// share of requests (one budget with hedging). Compose it inside an outer timeout or circuit breaker (for example
    /// <c>AddStandardResilienceHandler</c> registered before it).
    /// </summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="configure">Changes the defaults of <see cref="BalancerRetryOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddBalancerRetry(this IHttpClientBuilder builder, Action<BalancerRetryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<BalancerRetryOptions>(builder.Name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        AddResilienceCore(builder.Services);
        var name = builder.Name;
        return builder.AddHttpMessageHandler(sp => new BalancerRetryHandler(sp.GetRequiredService<ResilienceRegistry>().GetRetry(name)));
    }

    /// <summary>
    /// Adds hedging across endpoints: when the first attempt has not answered after a delay (by default the endpoint's
    /// recent p95) or failed with a transient failure, a copy goes to an endpoint no earlier copy took; the first good
    /// response wins and the losers are cancelled (recorded neither as failure nor as latency). Copies draw on the
    /// client's retry budget, shared with <c>AddBalancerRetry</c>; a 429 or Retry-After stops further copies. Safe
    /// methods (GET, HEAD, OPTIONS, TRACE) only, unless enabled.
    /// </summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="configure">Changes the defaults of <see cref="BalancerHedgingOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddBalancerHedging(this IHttpClientBuilder builder, Action<BalancerHedgingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<BalancerHedgingOptions>(builder.Name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.AddOptions<BalancerRetryOptions>(builder.Name).ValidateOnStart(); // the budget's settings
        AddResilienceCore(builder.Services);
        var name = builder.Name;
        return builder.AddHttpMessageHandler(sp => new BalancerHedgingHandler(sp.GetRequiredService<ResilienceRegistry>().GetHedging(name)));
    }

    private static void AddResilienceCore(IServiceCollection services)
    {
        BalancerServiceCollectionExtensions.AddBalancerCore(services);
        services.TryAddSingleton<ResilienceRegistry>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BalancerRetryOptions>, ResilienceOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BalancerHedgingOptions>, ResilienceOptionsValidator>());
    }
}
