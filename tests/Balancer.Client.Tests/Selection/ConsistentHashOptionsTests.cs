using Balancer.Client.Feedback;
using Balancer.Client.Selection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Balancer.Client.Tests.Selection;

public class ConsistentHashOptionsTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    public void Validate_LoadBoundFactorNotAboveOne_NamesClientFieldAndValue(double factor)
    {
        var error = Validate(o => o.ConsistentHash.LoadBoundFactor = factor);

        error.Should().Contain($"Balancer client 'catalog': ConsistentHash.LoadBoundFactor '{factor.ToString(System.Globalization.CultureInfo.InvariantCulture)}' must be greater than 1");
    }

    [Theory]
    [InlineData("X User")]
    [InlineData("X-User:")]
    [InlineData("")]
    public void Validate_BadHeaderName_NamesClientFieldAndValue(string header)
    {
        var error = Validate(o => o.ConsistentHash.HeaderName = header);

        error.Should().Contain($"Balancer client 'catalog': ConsistentHash.HeaderName '{header}' is not a valid header name");
    }

    [Fact]
    public void Validate_BothErrors_ReportedAtOnce()
    {
        var error = Validate(o =>
        {
            o.ConsistentHash.HeaderName = "bad header";
            o.ConsistentHash.LoadBoundFactor = 1;
        });

        error.Should().Contain("ConsistentHash.HeaderName").And.Contain("ConsistentHash.LoadBoundFactor");
    }

    [Fact]
    public void Bind_FromConfiguration_SelectsConsistentHashWithItsSettings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Selector"] = "consistenthash",
            ["ConsistentHash:HeaderName"] = "X-Tenant",
            ["ConsistentHash:LoadBoundFactor"] = "Infinity",
            ["Endpoints:0:Address"] = "http://127.0.0.1:5001",
        }).Build();
        var services = new ServiceCollection();
        services.AddBalancedHttpClient("catalog", configuration);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<BalancerOptions>>().Get("catalog");

        options.ConsistentHash.HeaderName.Should().Be("X-Tenant");
        options.ConsistentHash.LoadBoundFactor.Should().Be(double.PositiveInfinity);
        var selector = new EndpointSelectorRegistry([], []).Create(new SelectorFactoryContext("catalog", options, ClientStats.Default, provider));
        selector.Should().BeOfType<ConsistentHashSelector>();
    }

    [Fact]
    public void SetBalancerHashKey_NullKey_Throws()
    {
        using var request = new HttpRequestMessage();

        var act = () => request.SetBalancerHashKey(null!);

        act.Should().Throw<ArgumentNullException>().WithParameterName("key");
    }

    private static string Validate(Action<BalancerOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient("catalog", o =>
        {
            o.Selector = EndpointSelectorNames.ConsistentHash;
            o.AddEndpoint("http://127.0.0.1:5001");
            configure(o);
        });
        using var provider = services.BuildServiceProvider();

        var create = () => provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        return create.Should().Throw<OptionsValidationException>().Which.Message;
    }
}
