using System.Diagnostics;
using Balancer.Client.Diagnostics;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Diagnostics;

public sealed class BalancerTracingTests
{
    [Fact]
    public async Task Attempts_WithListener_ActivityPerAttemptTaggedWithSelectorAndServerPort()
    {
        const string Name = "tracing";
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == BalancerDiagnostics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem(BalancerDiagnostics.ClientTag), Name))
                {
                    lock (activities)
                    {
                        activities.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var provider = TestServices.Build(Name, o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoints(cluster);
        });
        var client = provider.CreateClient(Name);

        for (var i = 0; i < 10; i++)
        {
            await client.GetBackendAsync("/traced");
        }

        lock (activities)
        {
            activities.Should().HaveCount(10);
            activities.Should().OnlyContain(a =>
                Equals(a.GetTagItem(BalancerDiagnostics.SelectorTag), EndpointSelectorNames.RoundRobin) &&
                Equals(a.GetTagItem(BalancerDiagnostics.ServerAddressTag), "127.0.0.1") &&
                Equals(a.GetTagItem(BalancerDiagnostics.AttemptTag), 1));
            activities.Select(a => Convert.ToInt32(a.GetTagItem(BalancerDiagnostics.ServerPortTag), System.Globalization.CultureInfo.InvariantCulture))
                .Should().BeEquivalentTo(Enumerable.Repeat(cluster[0].Port, 5).Concat(Enumerable.Repeat(cluster[1].Port, 5)));
        }
    }
}
