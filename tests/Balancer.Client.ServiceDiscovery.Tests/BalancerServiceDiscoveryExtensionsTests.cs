using Microsoft.Extensions.Options;

namespace Balancer.Client.ServiceDiscovery.Tests;

public sealed class BalancerServiceDiscoveryExtensionsTests
{
    [Fact]
    public async Task AddServiceDiscoveryEndpoints_NoEndpointProvider_ValidationNamesTheClientAndTheFix()
    {
        await using var host = DiscoveryHost.Create([], services =>
            services.AddBalancedHttpClient("catalog", _ => { }).AddServiceDiscoveryEndpoints());

        var act = () => host.Provider.GetRequiredService<IOptionsMonitor<BalancerOptions>>().Get("catalog");

        act.Should().Throw<OptionsValidationException>().WithMessage("*'catalog'*no service endpoint provider*services.AddServiceDiscovery()*");
    }

    [Fact]
    public async Task AddServiceDiscoveryEndpoints_WithProviders_ValidationPasses()
    {
        await using var host = DiscoveryHost.Create([], services =>
        {
            services.AddServiceDiscovery();
            services.AddBalancedHttpClient("catalog", _ => { }).AddServiceDiscoveryEndpoints();
        });

        host.Provider.GetRequiredService<IOptionsMonitor<BalancerOptions>>().Get("catalog").Should().NotBeNull();
    }

    [Fact]
    public void AddServiceDiscoveryEndpoints_InvalidServiceName_ThrowsNamingTheClientAndTheValue()
    {
        var services = new ServiceCollection();
        var builder = services.AddBalancedHttpClient("catalog", _ => { });

        var act = () => builder.AddServiceDiscoveryEndpoints("http://cat alog");

        act.Should().Throw<ArgumentException>().WithMessage("*'catalog'*ServiceName*'http://cat alog'*");
    }

    [Fact]
    public void AddServiceDiscoveryEndpoints_OnTheDefaultsOfEveryClient_Throws()
    {
        var services = new ServiceCollection();

        var act = () => services.ConfigureHttpClientDefaults(b => b.AddServiceDiscoveryEndpoints());

        act.Should().Throw<ArgumentException>().WithMessage("*one named balanced client*");
    }
}
