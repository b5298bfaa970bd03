using Balancer.Client.DependencyInjection;
using Balancer.Client.Endpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Balancer.Client.Tests.DependencyInjection;

public class EndpointSubsetterTests
{
    private static readonly string[] s_addresses = ["http://127.0.0.1:5001/", "http://127.0.0.1:5002/", "http://127.0.0.1:5003/", "http://127.0.0.1:5004/"];

    [Fact]
    public void CreateClient_Subsetter_TheClientHoldsTheEndpointsWithAShare_WeightedByIt()
    {
        var subsetter = new TableSubsetter(new() { [5001] = 1, [5002] = 0.5, [5004] = 0.25 });
        using var provider = Build(subsetter);

        var endpoints = provider.GetRequiredService<BalancerClientRegistry>().Get("catalog").Endpoints;

        endpoints.Select(e => (e.Address.Port, e.Weight)).Should().BeEquivalentTo([(5001, 100), (5002, 50), (5004, 25)]);
    }

    [Fact]
    public void Changed_RaisedBySubsetter_TheClientTakesTheNewSubset()
    {
        var subsetter = new TableSubsetter(new() { [5001] = 1 });
        using var provider = Build(subsetter);
        var registry = provider.GetRequiredService<BalancerClientRegistry>();
        registry.Get("catalog").Endpoints.Should().ContainSingle();

        subsetter.Set(new() { [5002] = 1, [5003] = 1 });

        registry.Get("catalog").Endpoints.Select(e => e.Address.Port).Should().BeEquivalentTo([5002, 5003]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CreateClient_SubsetterGivesNoShareOrThrows_TheClientUsesEveryEndpoint(bool throws)
    {
        var subsetter = new TableSubsetter([]) { Throws = throws };
        using var provider = Build(subsetter);

        var endpoints = provider.GetRequiredService<BalancerClientRegistry>().Get("catalog").Endpoints;

        endpoints.Should().HaveCount(s_addresses.Length).And.AllSatisfy(e => e.Weight.Should().Be(1));
    }

    [Fact]
    public void Attach_HealthControl_EjectsOnOutsideEvidence_WithinMaxEjectionPercent_AndReportsTheVerdicts()
    {
        var subsetter = new TableSubsetter(new() { [5001] = 1, [5002] = 1, [5003] = 1, [5004] = 1 });
        using var provider = Build(subsetter, o => o.Health.OutlierDetection.MaxEjectionPercent = 0.25);
        var endpoints = provider.GetRequiredService<BalancerClientRegistry>().Get("catalog").Endpoints;
        var health = subsetter.Health!;

        health.Eject(endpoints[0], TimeSpan.FromSeconds(20), "out for 3 fleet members").Should().BeTrue();
        health.Eject(endpoints[0], TimeSpan.FromSeconds(20), "again").Should().BeFalse("it is out already");
        health.Eject(endpoints[1], TimeSpan.FromSeconds(20), "another").Should().BeFalse("a quarter of four endpoints may be out: one");

        var verdict = health.GetVerdicts().Should().ContainSingle().Subject;
        verdict.Endpoint.Should().BeSameAs(endpoints[0]);
        verdict.Reason.Should().Be("ejected");
        verdict.Until.Should().BeCloseTo(DateTimeOffset.UtcNow.AddSeconds(20), TimeSpan.FromSeconds(5));
        provider.GetRequiredService<Balancer.Client.Inspection.IBalancerInspector>().GetSnapshot("catalog")!.Endpoints[0].Health
            .Should().Be(Balancer.Client.Inspection.EndpointHealthStatus.Ejected);
    }

    [Fact]
    public void Attach_RequestClassEstimates_WithMlScored_SeedsAClassOnce_ScoresOnIt_AndDoesNotPassItOn()
    {
        var subsetter = new TableSubsetter(new() { [5001] = 1, [5002] = 1 });
        using var provider = Build(subsetter, o =>
        {
            o.Selector = Balancer.Client.Selection.EndpointSelectorNames.MlScored;
            o.MlScored.RouteClasses = 8;
        });
        var endpoints = provider.GetRequiredService<BalancerClientRegistry>().Get("catalog").Endpoints;
        var classes = subsetter.Classes!;

        classes.Classes.Should().Be(8);
        classes.Seed(endpoints[0], 3, TimeSpan.FromMilliseconds(40), samples: 2).Should().BeTrue();
        classes.Seed(endpoints[0], 3, TimeSpan.FromMilliseconds(90), samples: 2).Should().BeFalse("the class has a sample now");
        classes.Seed(endpoints[0], 8, TimeSpan.FromMilliseconds(40), samples: 2).Should().BeFalse("classes are 0 to 7");
        var act = () => classes.Seed(endpoints[0], 1, TimeSpan.Zero, samples: 2);
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("latency");

        classes.Read(endpoints[0], new RequestClassLatency[8]).Should().Be(0, "a seed is not the client's own measurement: it is not passed on");
        provider.GetRequiredService<Balancer.Client.Inspection.IBalancerInspector>().GetSnapshot("catalog")!.Endpoints[0].Score!.Value
            .Should().BeApproximately(40, 0.01, "the selector scores the endpoint on the seeded class");
    }

    [Fact]
    public void Attach_RequestClassEstimates_WithASelectorThatLearnsNoClasses_HasNone()
    {
        var subsetter = new TableSubsetter(new() { [5001] = 1, [5002] = 1 });
        using var provider = Build(subsetter, o => o.Selector = Balancer.Client.Selection.EndpointSelectorNames.RoundRobin);
        var endpoints = provider.GetRequiredService<BalancerClientRegistry>().Get("catalog").Endpoints;
        var classes = subsetter.Classes!;

        classes.Classes.Should().Be(0);
        classes.Seed(endpoints[0], 0, TimeSpan.FromMilliseconds(40), samples: 2).Should().BeFalse();
        classes.Read(endpoints[0], new RequestClassLatency[4]).Should().Be(0);
    }

    [Fact]
    public void Validation_SubsetterAndSubsetting_IsAnErrorNamingTheField()
    {
        using var provider = Build(new TableSubsetter([]), o => o.Subsetting = new SubsettingOptions { SubsetSize = 2, InstanceId = 0, InstanceCount = 2 });

        var act = () => provider.GetRequiredService<IOptionsMonitor<BalancerOptions>>().Get("catalog");

        act.Should().Throw<OptionsValidationException>().Which.Message.Should()
            .Contain("'catalog'").And.Contain("Subsetting.SubsetSize").And.Contain("'2'").And.Contain("UseEndpointSubsetter");
    }

    private static ServiceProvider Build(TableSubsetter subsetter, Action<BalancerOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient("catalog", o =>
        {
            foreach (var address in s_addresses)
            {
                o.AddEndpoint(address);
            }

            configure?.Invoke(o);
        }).UseEndpointSubsetter(_ => subsetter);
        return services.BuildServiceProvider();
    }

    /// <summary>Shares by port, changed by the test.</summary>
    private sealed class TableSubsetter(Dictionary<int, double> shares) : IEndpointSubsetter
    {
        private Dictionary<int, double> _shares = shares;

        public event EventHandler? Changed;

        public bool Throws { get; init; }

        public IEndpointHealthControl? Health { get; private set; }

        public IRequestClassEstimates? Classes { get; private set; }

        public void Attach(IEndpointHealthControl health) => Health = health;

        public void Attach(IRequestClassEstimates classes) => Classes = classes;

        public void Set(Dictionary<int, double> shares)
        {
            _shares = shares;
            Changed?.Invoke(this, EventArgs.Empty);
        }

        public void Assign(IReadOnlyList<Uri> endpoints, Span<double> shares)
        {
            if (Throws)
            {
                throw new InvalidOperationException("broken");
            }

            for (var i = 0; i < endpoints.Count; i++)
            {
                shares[i] = _shares.GetValueOrDefault(endpoints[i].Port);
            }
        }
    }
}
