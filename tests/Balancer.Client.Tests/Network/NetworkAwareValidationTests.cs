using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Balancer.Client.Tests.Network;

public class NetworkAwareValidationTests
{
    [Fact]
    public void CreateClient_Defaults_AreValid()
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient("catalog", o =>
        {
            o.Selector = "networkaware";
            o.AddEndpoint("http://127.0.0.1:8080");
            o.NetworkAware.Probes.Enabled = false;
        });
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog").Should().NotBeNull();
    }

    [Fact]
    public void CreateClient_BadNetworkAwareOptions_ReportsEveryOneWithClientFieldAndValue()
    {
        var error = Validate(o =>
        {
            o.NetworkAware.LocalZone = " eu-1a";
            o.NetworkAware.CrossZonePenalty = TimeSpan.FromSeconds(-1);
            o.NetworkAware.SpilloverThreshold = 0.5;
            o.NetworkAware.Probes.Interval = TimeSpan.FromMilliseconds(10);
            o.NetworkAware.Probes.Timeout = TimeSpan.Zero;
            o.NetworkAware.Probes.Jitter = 1;
            o.NetworkAware.Probes.MaxConcurrency = 0;
        });

        error.Should().Contain("Balancer client 'catalog': NetworkAware.LocalZone ' eu-1a' has leading or trailing spaces")
            .And.Contain("NetworkAware.CrossZonePenalty '-00:00:01' is out of range; allowed from 00:00:00 to 00:00:10")
            .And.Contain("NetworkAware.SpilloverThreshold '0.5' is out of range; allowed from 1 to 1000")
            .And.Contain("NetworkAware.Probes.Interval '00:00:00.0100000' is out of range")
            .And.Contain("NetworkAware.Probes.Timeout '00:00:00' is out of range")
            .And.Contain("NetworkAware.Probes.Jitter '1' is out of range")
            .And.Contain("NetworkAware.Probes.MaxConcurrency '0' is out of range; allowed from 1 to 256");
    }

    [Fact]
    public void CreateClient_NaNThresholdAndMissingProbes_AreRejected()
    {
        var error = Validate(o =>
        {
            o.NetworkAware.SpilloverThreshold = double.NaN;
            o.NetworkAware.Probes = null!;
        });

        error.Should().Contain("NetworkAware.SpilloverThreshold 'NaN' is out of range").And.Contain("NetworkAware.Probes (null) is not set");
    }

    [Fact]
    public void CreateClient_FromConfiguration_BindsTheNetworkAwareSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Balancer:Clients:catalog:Selector"] = "NetworkAware",
            ["Balancer:Clients:catalog:Endpoints:0:Address"] = "http://127.0.0.1:8080",
            ["Balancer:Clients:catalog:NetworkAware:LocalZone"] = "eu-1a",
            ["Balancer:Clients:catalog:NetworkAware:CrossZonePenalty"] = "00:00:00.020",
            ["Balancer:Clients:catalog:NetworkAware:SpilloverThreshold"] = "3",
            ["Balancer:Clients:catalog:NetworkAware:Probes:Interval"] = "00:00:02",
            ["Balancer:Clients:catalog:NetworkAware:Probes:MaxConcurrency"] = "8",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddBalancedHttpClient("catalog");
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<BalancerOptions>>().Get("catalog").NetworkAware;

        options.LocalZone.Should().Be("eu-1a");
        options.CrossZonePenalty.Should().Be(TimeSpan.FromMilliseconds(20));
        options.SpilloverThreshold.Should().Be(3);
        options.Probes.Interval.Should().Be(TimeSpan.FromSeconds(2));
        options.Probes.MaxConcurrency.Should().Be(8);
        options.Probes.Enabled.Should().BeTrue();
    }

    private static string Validate(Action<BalancerOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient("catalog", o =>
        {
            o.Selector = "NetworkAware";
            o.AddEndpoint("http://127.0.0.1:8080");
            configure(o);
        });
        using var provider = services.BuildServiceProvider();

        var create = () => provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        return create.Should().Throw<OptionsValidationException>().Which.Message;
    }
}
