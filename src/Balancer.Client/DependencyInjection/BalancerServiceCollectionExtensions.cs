using System.Diagnostics.CodeAnalysis;
using Balancer.Client;
using Balancer.Client.DependencyInjection;
using Balancer.Client.Diagnostics;
using Balancer.Client.Feedback;
using Balancer.Client.Inspection;
using Balancer.Client.Selection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers balanced <see cref="HttpClient"/>s and custom endpoint selectors.</summary>
public static class BalancerServiceCollectionExtensions
{
    /// <summary>The configuration section under which <see cref="AddBalancedHttpClient(IServiceCollection, string)"/> looks up a client: <c>Balancer:Clients:{name}</c>.</summary>
    public const string ConfigurationSectionPrefix = "Balancer:Clients";

    /// <summary>
    /// Adds a named <see cref="HttpClient"/> whose requests to <c>http://{name}/…</c> are balanced across the endpoints
    /// configured in section <c>Balancer:Clients:{name}</c> of the application's <see cref="IConfiguration"/> (reloaded live).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The client name, which is also the logical host name of the service (its base address is <c>http://{name}/</c>).</param>
    /// <returns>The client's builder, so that further handlers and resilience compose.</returns>
    public static IHttpClientBuilder AddBalancedHttpClient(this IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        ValidateName(name);
        services.AddOptions<BalancerOptions>(name).BindConfiguration($"{ConfigurationSectionPrefix}:{name}");
        return AddCore(services, name, services.AddHttpClient(name));
    }

    /// <summary>Adds a named balanced <see cref="HttpClient"/> whose options are bound from <paramref name="configuration"/> (reloaded live).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The client name, which is also the logical host name of the service.</param>
    /// <param name="configuration">The section holding <see cref="BalancerOptions"/>, such as <c>{ "Selector": "PeakEwma", "Endpoints": [ … ] }</c>.</param>
    /// <returns>The client's builder.</returns>
    public static IHttpClientBuilder AddBalancedHttpClient(this IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ValidateName(name);
        services.AddOptions<BalancerOptions>(name).Bind(configuration);
        return AddCore(services, name, services.AddHttpClient(name));
    }

    /// <summary>Adds a named balanced <see cref="HttpClient"/> configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The client name, which is also the logical host name of the service.</param>
    /// <param name="configure">Sets the options, for example <c>o => o.AddEndpoint("http://127.0.0.1:5001")</c>.</param>
    /// <returns>The client's builder.</returns>
    public static IHttpClientBuilder AddBalancedHttpClient(this IServiceCollection services, string name, Action<BalancerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        ValidateName(name);
        services.AddOptions<BalancerOptions>(name).Configure(configure);
        return AddCore(services, name, services.AddHttpClient(name));
    }

    /// <summary>Adds a balanced typed client configured from section <c>Balancer:Clients:{name}</c>.</summary>
    /// <typeparam name="TClient">The type clients ask for.</typeparam>
    /// <typeparam name="TImplementation">The implementation, which takes an <see cref="HttpClient"/> in its constructor.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The client name, which is also the logical host name of the service.</param>
    /// <returns>The client's builder.</returns>
    public static IHttpClientBuilder AddBalancedHttpClient<TClient, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TImplementation>(this IServiceCollection services, string name)
        where TClient : class
        where TImplementation : class, TClient
    {
        ArgumentNullException.ThrowIfNull(services);
        ValidateName(name);
        services.AddOptions<BalancerOptions>(name).BindConfiguration($"{ConfigurationSectionPrefix}:{name}");
        return AddCore(services, name, services.AddHttpClient<TClient, TImplementation>(name));
    }

    /// <summary>Adds a balanced typed client whose options are bound from <paramref name="configuration"/>.</summary>
    /// <typeparam name="TClient">The type clients ask for.</typeparam>
    /// <typeparam name="TImplementation">The implementation, which takes an <see cref="HttpClient"/> in its constructor.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The client name, which is also the logical host name of the service.</param>
    /// <param name="configuration">The section holding <see cref="BalancerOptions"/>.</param>
    /// <returns>The client's builder.</returns>
    public static IHttpClientBuilder AddBalancedHttpClient<TClient, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TImplementation>(this IServiceCollection services, string name, IConfiguration configuration)
        where TClient : class
        where TImplementation : class, TClient
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ValidateName(name);
        services.AddOptions<BalancerOptions>(name).Bind(configuration);
        return AddCore(services, name, services.AddHttpClient<TClient, TImplementation>(name));
    }

    /// <summary>Adds a balanced typed client configured in code.</summary>
    /// <typeparam name="TClient">The type clients ask for.</typeparam>
    /// <typeparam name="TImplementation">The implementation, which takes an <see cref="HttpClient"/> in its constructor.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The client name, which is also the logical host name of the service.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The client's builder.</returns>
    public static IHttpClientBuilder AddBalancedHttpClient<TClient, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TImplementation>(this IServiceCollection services, string name, Action<BalancerOptions> configure)
        where TClient : class
        where TImplementation : class, TClient
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        ValidateName(name);
        services.AddOptions<BalancerOptions>(name).Configure(configure);
        return AddCore(services, name, services.AddHttpClient<TClient, TImplementation>(name));
    }

    /// <summary>
    /// Registers a custom selector under <paramref name="name"/>, so that <see cref="BalancerOptions.Selector"/> and
    /// configuration can choose it. Each client that uses it gets its own instance, created through DI.
    /// </summary>
    /// <typeparam name="TSelector">The selector type; its constructor dependencies come from the container.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The selector name (case-insensitive; the built-in names are reserved).</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddEndpointSelector<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSelector>(this IServiceCollection services, string name)
        where TSelector : class, IEndpointSelector =>
        services.AddEndpointSelector(name, sp => ActivatorUtilities.CreateInstance<TSelector>(sp));

    /// <summary>Registers a custom selector factory under <paramref name="name"/>; it is called once per client that uses the name.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The selector name (case-insensitive; the built-in names are reserved).</param>
    /// <param name="factory">Creates one selector instance.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddEndpointSelector(this IServiceCollection services, string name, Func<IServiceProvider, IEndpointSelector> factory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (EndpointSelectorRegistry.IsBuiltIn(name))
        {
            throw new ArgumentException($"Selector name '{name}' is reserved for a built-in selector; register the custom selector under another name.", nameof(name));
        }

        services.AddSingleton(new EndpointSelectorRegistration(name, factory));
        return services;
    }

    internal static void AddBalancerCore(IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<BalancedClientNames>();
        services.TryAddSingleton<EndpointSelectorRegistry>();
        services.TryAddSingleton<BalancerClientRegistry>();
        services.TryAddSingleton<EndpointSourceRegistry>();
        services.TryAddSingleton<IBalancerInspector>(sp => new BalancerInspector(sp.GetRequiredService<BalancerClientRegistry>()));
        services.TryAddSingleton(sp => new BalancerMetrics(
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Balancer.Client")));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, BalancingHandlerFilter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BalancerOptions>, BalancerOptionsValidator>());
    }

    /// <summary>
    /// Registers balanced client <paramref name="name"/> (options validated at start) whose calls another transport
    /// balances (gRPC's channel): the balancing handler stays out of its HTTP chain.
    /// </summary>
    internal static void AddBalancedClient(IServiceCollection services, string name, bool http)
    {
        AddBalancerCore(services);
        if (!services.Any(d => d.ServiceType == typeof(BalancedClientMarker) && d.ImplementationInstance is BalancedClientMarker m && m.Name == name))
        {
            services.AddSingleton(new BalancedClientMarker(name, http));
        }

        services.AddOptions<BalancerOptions>(name).ValidateOnStart();
    }

    private static IHttpClientBuilder AddCore(IServiceCollection services, string name, IHttpClientBuilder builder)
    {
        AddBalancedClient(services, name, http: true);
        var baseAddress = new Uri($"http://{name}/");
        builder.ConfigureHttpClient(client => client.BaseAddress ??= baseAddress);
        return builder;
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (Uri.CheckHostName(name) != UriHostNameType.Dns)
        {
            throw new ArgumentException($"Balanced client name '{name}' must be a valid host name (letters, digits, '-' and '.'), because requests address the service as http://{name}/.", nameof(name));
        }
    }
}
