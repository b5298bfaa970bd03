using Balancer.Client.Endpoints;
using Balancer.Client.Selection;
using Balancer.Client.Selection.MlScored;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Balancer.Client.Tests.DependencyInjection;

public class BalancerOptionsValidatorTests
{
    [Fact]
    public void CreateClient_NoEndpoints_NamesClientAndField()
    {
        var error = Validate(o => { });

        error.Should().Contain("Balancer client 'catalog': Endpoints '(empty)' has no endpoint").And.Contain("Balancer:Clients:catalog:Endpoints");
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:21", "Endpoints[0].Address 'ftp://127.0.0.1:21' has scheme 'ftp'")]
    [InlineData("127.0.0.1:8080", "Endpoints[0].Address '127.0.0.1:8080'")]
    [InlineData("not a uri", "Endpoints[0].Address 'not a uri' is not an absolute URI")]
    [InlineData("", "Endpoints[0].Address '' is empty")]
    [InlineData("http://127.0.0.1:8080/?a=1", "Endpoints[0].Address 'http://127.0.0.1:8080/?a=1' contains a query")]
    [InlineData("http://user:pw@127.0.0.1:8080", "contains user information")]
    public void CreateClient_BadAddress_NamesClientFieldAndValue(string address, string expected)
    {
        var error = Validate(o => o.AddEndpoint(address));

        error.Should().Contain("Balancer client 'catalog':").And.Contain(expected);
    }

    [Fact]
    public void CreateClient_DuplicateAddresses_AreRejected_EvenWhenSpelledDifferently()
    {
        var error = Validate(o => o.AddEndpoint("http://127.0.0.1:8080").AddEndpoint("HTTP://127.0.0.1:8080/"));

        error.Should().Contain("Endpoints[1].Address 'HTTP://127.0.0.1:8080/' duplicates Endpoints[0].Address");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(101)]
    public void CreateClient_WeightOutOfRange_NamesValueAndRange(int weight)
    {
        var error = Validate(o => o.AddEndpoint("http://127.0.0.1:8080", weight));

        error.Should().Contain($"Endpoints[0].Weight '{weight}' is out of range; allowed from 1 to 100");
    }

    [Fact]
    public void CreateClient_UnknownSelector_ListsTheKnownOnes()
    {
        var error = Validate(o =>
        {
            o.Selector = "LeastMagic";
            o.AddEndpoint("http://127.0.0.1:8080");
        });

        error.Should().Contain("Selector 'LeastMagic' is not a known selector; use one of: ")
            .And.Contain("PeakEwma, PowerOfTwoChoices, Prequal, Random, RoundRobin")
            .And.Contain(", or register it with AddEndpointSelector");
    }

    [Fact]
    public void CreateClient_DecayOutOfRange_IsRejected()
    {
        var error = Validate(o =>
        {
            o.LatencyDecayTime = TimeSpan.Zero;
            o.AddEndpoint("http://127.0.0.1:8080");
        });

        error.Should().Contain("LatencyDecayTime '00:00:00' is out of range");
    }

    [Fact]
    public void CreateClient_ConnectionFailureOutOfRange_NamesEveryFieldAndValue()
    {
        var error = Validate(o =>
        {
            o.AddEndpoint("http://127.0.0.1:8080");
            o.Health.ConnectionFailure.InitialBackoff = TimeSpan.FromSeconds(10);
            o.Health.ConnectionFailure.MaxBackoff = TimeSpan.FromSeconds(5);
            o.Health.ConnectionFailure.BackoffMultiplier = 0.5;
            o.Health.ConnectionFailure.Jitter = 1;
            o.Health.ConnectionFailure.ConnectTimeout = TimeSpan.Zero;
            o.Health.ConnectionFailure.SlowStartWindow = TimeSpan.FromSeconds(-1);
        });

        error.Should().Contain("'catalog'")
            .And.Contain("Health.ConnectionFailure.MaxBackoff '00:00:05' is out of range; allowed from 00:00:10")
            .And.Contain("Health.ConnectionFailure.BackoffMultiplier '0.5' is out of range")
            .And.Contain("Health.ConnectionFailure.Jitter '1' is out of range")
            .And.Contain("Health.ConnectionFailure.ConnectTimeout '00:00:00' is out of range")
            .And.Contain("Health.ConnectionFailure.SlowStartWindow '-00:00:01' is out of range");
    }

    [Fact]
    public void CreateClient_SeveralErrors_AreAllReportedAtOnce()
    {
        var error = Validate(o =>
        {
            o.Selector = "Nope";
            o.AddEndpoint("ftp://a").AddEndpoint("http://127.0.0.1:1", 0);
        });

        error.Should().Contain("Selector 'Nope'").And.Contain("Endpoints[0].Address").And.Contain("Endpoints[1].Weight");
    }

    [Fact]
    public void CreateClient_FromConfiguration_ReportsTheBoundValues()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Balancer:Clients:catalog:Selector"] = "roundrobin",
            ["Balancer:Clients:catalog:Endpoints:0:Address"] = "http://127.0.0.1:8080",
            ["Balancer:Clients:catalog:Endpoints:1:Address"] = "tcp://127.0.0.1:8081",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddBalancedHttpClient("catalog");
        using var provider = services.BuildServiceProvider();

        var create = () => provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        create.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Endpoints[1].Address 'tcp://127.0.0.1:8081' has scheme 'tcp'");
    }

    [Fact]
    public void CreateClient_ValidOptions_Succeeds_AndSelectorNamesAreCaseInsensitive()
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient("catalog", o =>
        {
            o.Selector = "powerOFtwochoices";
            o.AddEndpoint("http://127.0.0.1:8080", 3, "eu-1a");
        });
        using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        client.BaseAddress.Should().Be(new Uri("http://catalog/"));
    }

    [Fact]
    public void CreateClient_BadMlScoredOptions_NamesEveryFieldAndValue()
    {
        var error = Validate(o =>
        {
            o.Selector = EndpointSelectorNames.MlScored;
            o.AddEndpoint("http://127.0.0.1:8080");
            o.MlScored.Candidates = 1;
            o.MlScored.Exploration = -0.5;
            o.MlScored.RouteClasses = 0;
            o.MlScored.SampleWindow = 1;
        });

        error.Should().Contain("Balancer client 'catalog': MlScored.Candidates '1' is out of range; allowed from 2 to 16")
            .And.Contain("MlScored.Exploration '-0.5' is out of range")
            .And.Contain("MlScored.RouteClasses '0' is out of range; allowed from 1 to 1024")
            .And.Contain("MlScored.SampleWindow '1' is out of range");
    }

    [Fact]
    public void CreateClient_TelemetryNotSet_NamesClientAndField()
    {
        var error = Validate(o => o.AddEndpoint("http://127.0.0.1:8080").Telemetry = null!);

        error.Should().Contain("Balancer client 'catalog': Telemetry (null) is not set");
    }

    [Fact]
    public void CreateClient_BadDiscoveredAddressRules_NameEveryFieldAndValue()
    {
        var error = Validate(o =>
        {
            o.AddEndpoint("http://127.0.0.1:8080");
            o.EndpointSources.AllowedSchemes = ["https", "ftp"];
            o.EndpointSources.AllowedHosts = ["10.0.0.0/8", "10.0.0.1/8", "exa mple", "*.*.local", "", "fd00::/8", "::1", "*.svc.cluster.local"];
        });

        error.Should().Contain("Balancer client 'catalog': EndpointSources.AllowedSchemes[1] 'ftp' is not supported; use 'http' or 'https'")
            .And.Contain("EndpointSources.AllowedHosts[1] '10.0.0.1/8' is not a CIDR range")
            .And.Contain("EndpointSources.AllowedHosts[2] 'exa mple' is not a host name, '*.domain', an IP address or a CIDR range")
            .And.Contain("EndpointSources.AllowedHosts[3] '*.*.local' is not a host name")
            .And.Contain("EndpointSources.AllowedHosts[4] '' is empty")
            .And.NotContain("AllowedHosts[0]").And.NotContain("AllowedHosts[5]").And.NotContain("AllowedHosts[6]").And.NotContain("AllowedHosts[7]")
            .And.NotContain("AllowedSchemes[0]");
    }

    [Fact]
    public void CreateClient_OneBadHealthValue_IsExactlyOneLine()
    {
        var error = Validate(o => o.AddEndpoint("http://127.0.0.1:8080").Health.OutlierDetection.FailureRateThreshold = 1.5);

        error.Should().Be("Balancer client 'catalog': Health.OutlierDetection.FailureRateThreshold '1.5' is out of range; allowed from 0 to 1.");
    }

    private static string Validate(Action<BalancerOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient("catalog", configure);
        using var provider = services.BuildServiceProvider();

        var create = () => provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        return create.Should().Throw<OptionsValidationException>().Which.Message;
    }
}
