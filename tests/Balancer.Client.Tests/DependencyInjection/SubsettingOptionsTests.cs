using Balancer.Client.DependencyInjection;
using Balancer.Client.Endpoints;
using Balancer.Client.Tests.Endpoints;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Balancer.Client.Tests.DependencyInjection;

public class SubsettingOptionsTests
{
    private static readonly List<string> s_keys = SubsetFleet.Addresses(60);

    [Fact]
    public void CreateClient_SubsettingOn_TheClientHoldsOnlyItsSubset()
    {
        using var provider = Build(o => o.Subsetting = new SubsettingOptions { SubsetSize = 10, InstanceId = 4, InstanceCount = 12 });

        var state = provider.GetRequiredService<BalancerClientRegistry>().Get("catalog");

        state.Endpoints.Select(e => e.Key).ToHashSet().SetEquals(SubsetFleet.Subset(s_keys, 10, 4, 12)).Should().BeTrue();
        state.Endpoints.Length.Should().BeLessThan(s_keys.Count);
    }

    [Fact]
    public void CreateClient_SubsettingOff_TheClientHoldsEveryEndpoint()
    {
        using var provider = Build(o => o.Subsetting.InstanceId = 4);

        provider.GetRequiredService<BalancerClientRegistry>().Get("catalog").Endpoints.Should().HaveCount(s_keys.Count);
    }

    [Fact]
    public void Reload_EndpointAdded_RecomputesTheSubset()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Balancer:Clients:catalog:Subsetting:SubsetSize"] = "10",
            ["Balancer:Clients:catalog:Subsetting:InstanceId"] = "4",
            ["Balancer:Clients:catalog:Subsetting:InstanceCount"] = "12",
        };
        for (var i = 0; i < s_keys.Count; i++)
        {
            settings[$"Balancer:Clients:catalog:Endpoints:{i}:Address"] = s_keys[i];
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddBalancedHttpClient("catalog");
        using var provider = services.BuildServiceProvider();
        var state = provider.GetRequiredService<BalancerClientRegistry>().Get("catalog");
        state.Endpoints.Select(e => e.Key).ToHashSet().SetEquals(SubsetFleet.Subset(s_keys, 10, 4, 12)).Should().BeTrue();

        // An address that lands in this instance's range (each new endpoint goes to one instance of every round).
        var added = Enumerable.Range(30000, 1000).Select(p => $"http://127.0.0.1:{p}/").First(a => SubsetFleet.Subset([.. s_keys, a], 10, 4, 12).Contains(a));
        List<string> grown = [.. s_keys, added];
        configuration[$"Balancer:Clients:catalog:Endpoints:{s_keys.Count}:Address"] = added;

        configuration.Reload();

        state.Endpoints.Select(e => e.Key).ToHashSet().SetEquals(SubsetFleet.Subset(grown, 10, 4, 12)).Should().BeTrue();
        state.Endpoints.Select(e => e.Key).Should().Contain(added);
    }

    [Theory]
    [InlineData(-1, 4, 12, "Subsetting.SubsetSize '-1' is out of range; use at least 1, or 0 (or unset) to turn subsetting off")]
    [InlineData(10, 4, 0, "Subsetting.InstanceCount '0' is out of range; with subsetting on, set the number of client instances (at least 1)")]
    [InlineData(10, 12, 12, "Subsetting.InstanceId '12' is out of range; allowed from 0 to 11 (InstanceCount - 1)")]
    [InlineData(10, -1, 12, "Subsetting.InstanceId '-1' is out of range; allowed from 0 to 11 (InstanceCount - 1)")]
    [InlineData(10, null, 12, "Subsetting.InstanceId (null) is not set; with subsetting on, give every client instance its own id")]
    public void CreateClient_BadSubsetting_NamesClientFieldAndValue(int size, int? id, int count, string expected)
    {
        using var provider = Build(o => o.Subsetting = new SubsettingOptions { SubsetSize = size, InstanceId = id, InstanceCount = count });

        var create = () => provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        create.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Balancer client 'catalog': " + expected);
    }

    [Fact]
    public void CreateClient_SubsettingOffWithIncompleteInstanceSettings_IsValid()
    {
        using var provider = Build(o => o.Subsetting = new SubsettingOptions { SubsetSize = 0, InstanceCount = -5 });

        var create = () => provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        create.Should().NotThrow();
    }

    [Theory]
    [InlineData("orders-worker-7", null, 12, null)]
    [InlineData("orders-worker", null, 12, "Subsetting.InstanceIdFromHostName 'orders-worker' is a host name that does not end with '-' and a number")]
    [InlineData("orders-worker-12", null, 12, "Subsetting.InstanceIdFromHostName 'orders-worker-12' gives instance id 12, out of range; allowed from 0 to 11")]
    [InlineData("orders-worker-7", 3, 12, "Subsetting.InstanceId '3' is set together with InstanceIdFromHostName; use one of them")]
    public void ValidateSubsetting_InstanceIdFromHostName_ReadsTheOrdinal(string hostName, int? id, int count, string? expected)
    {
        var errors = new List<string>();
        var options = new SubsettingOptions { SubsetSize = 10, InstanceId = id, InstanceCount = count, InstanceIdFromHostName = true };

        SubsettingValidation.Validate(options, hostName, (field, value, problem) => errors.Add($"{field} '{value}' {problem}"));

        if (expected is null)
        {
            errors.Should().BeEmpty();
            options.ResolveInstanceId(hostName).Should().Be(7);
        }
        else
        {
            errors.Should().ContainSingle().Which.Should().StartWith(expected);
        }
    }

    private static ServiceProvider Build(Action<BalancerOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient("catalog", o =>
        {
            foreach (var key in s_keys)
            {
                o.AddEndpoint(key);
            }

            configure(o);
        });
        return services.BuildServiceProvider();
    }
}
