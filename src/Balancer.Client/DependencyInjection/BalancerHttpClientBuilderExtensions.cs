using System.Diagnostics.CodeAnalysis;
using Balancer.Client.DependencyInjection;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;

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
}
