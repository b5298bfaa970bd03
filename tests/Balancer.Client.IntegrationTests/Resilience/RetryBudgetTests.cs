using System.Net;
using Balancer.Client.Resilience;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Resilience;

/// <summary>
/// When every backend fails, retries must not multiply the outage. The budget allows a retry while
/// retries + 1 ≤ max(<see cref="BalancerRetryOptions.MinRetriesPerWindow"/>, <see cref="BalancerRetryOptions.BudgetRatio"/> × requests),
/// both counted over <see cref="BalancerRetryOptions.BudgetWindow"/>. These tests set a window of a minute, so a whole
/// run fits in one window and the extra attempts of the run are at most max(10, 20% × requests).
/// </summary>
public sealed class RetryBudgetTests
{
    private const int MaxRetryAttempts = 3;
    private const double BudgetRatio = 0.2;
    private const int MinRetriesPerWindow = 10;

    [Fact]
    public async Task Get_AllBackendsAnswer503_ExtraAttemptsAtTheServersStayWithinTheBudget()
    {
        const string Name = "all-503";
        const int Requests = 300;
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.FailureRate = 1;
        });
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoints(cluster);

                // Outlier detection ejects at most half of the endpoints; with fewer than 75% eligible the client panics
                // and balances across all of them, so every attempt the budget allows reaches a server.
                o.Health.PanicThreshold = 0.75;
            },
            client: b => b.AddBalancerRetry(Budget));
        var client = provider.CreateClient(Name);

        for (var i = 0; i < Requests; i++)
        {
            using var response = await client.GetAsync("/all-fail");
            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "the last attempt's response is returned");
        }

        // Without a budget, 3 retries per request would triple the load on failing servers (900 extra attempts).
        var extra = cluster.TotalReceived - Requests;
        extra.Should().BeLessThanOrEqualTo((long)Math.Max(MinRetriesPerWindow, BudgetRatio * Requests), "retries are capped by the budget")
            .And.BeGreaterThanOrEqualTo(MinRetriesPerWindow, "retries happen until the budget is spent");
    }

    [Fact]
    public async Task Get_AllBackendsStopped_CallerGetsHttpRequestExceptionNamingClientAndWhyRetryingStopped()
    {
        const string Name = "all-stopped";
        const int Requests = 100;
        await using var cluster = await BackendCluster.StartAsync(4);
        foreach (var backend in cluster)
        {
            await backend.StopAsync();
        }

        var observer = new RecordingObserver();
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoints(cluster);
                o.Health.PanicThreshold = 0.75; // keeps traffic flowing to ejected endpoints too (see above)
            },
            client: b => b.AddFeedbackObserver(_ => observer).AddBalancerRetry(Budget));
        var client = provider.CreateClient(Name);

        var messages = new List<string>();
        for (var i = 0; i < Requests; i++)
        {
            var act = () => client.GetAsync("/refused");
            var exception = (await act.Should().ThrowExactlyAsync<HttpRequestException>()).Which;
            exception.HttpRequestError.Should().Be(HttpRequestError.ConnectionError);
            exception.InnerException.Should().BeAssignableTo<HttpRequestException>("the last attempt's exception is kept as the inner exception");
            messages.Add(exception.Message);
        }

        messages.Should().OnlyContain(m => m.StartsWith($"Balancer client '{Name}': GET /refused failed after ", StringComparison.Ordinal));
        messages[0].Should().Contain($"failed after {MaxRetryAttempts + 1} attempt(s)").And.Contain("(no retries left)");
        messages[^1].Should().Contain("not retried: the retry budget is exhausted");
        messages.Count(m => m.Contains("failed after 1 attempt(s)", StringComparison.Ordinal)).Should().BeGreaterThan(Requests / 2, "once the budget is spent, most requests get one attempt");
        var extra = observer.Attempts.Count - Requests;
        extra.Should().BeLessThanOrEqualTo((int)Math.Max(MinRetriesPerWindow, BudgetRatio * Requests));
    }

    [Fact]
    public async Task Get_AllBackendsAnswer503_WithFailFastInPanic_ThrowsNoAvailableEndpointNamingClientAndWhy()
    {
        const string Name = "fail-fast";
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.FailureRate = 1;
        });
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoints(cluster);
                o.Health.PanicThreshold = 0.75;
                o.Health.FailFastInPanic = true;
            },
            client: b => b.AddBalancerRetry(Budget));
        var client = provider.CreateClient(Name);

        // Once two endpoints are ejected (the most outlier detection takes out of four), fewer than 75% are eligible.
        NoAvailableEndpointException? failure = null;
        for (var i = 0; i < 100 && failure is null; i++)
        {
            try
            {
                using var response = await client.GetAsync("/fail-fast");
                response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            }
            catch (NoAvailableEndpointException exception)
            {
                failure = exception;
            }
        }

        failure.Should().NotBeNull("the client fails fast once it panics");
        failure!.ClientName.Should().Be(Name);
        failure.Reason.Should().Be(NoAvailableEndpointReason.AllUnavailable);
        failure.Message.Should().Contain($"'{Name}'")
            .And.Contain("none of its 4 endpoints is available")
            .And.Contain("2 ejected")
            .And.Contain("FailFastInPanic is on");
    }

    private static void Budget(BalancerRetryOptions o)
    {
        o.MaxRetryAttempts = MaxRetryAttempts;
        o.Delay = TimeSpan.Zero;
        o.BudgetRatio = BudgetRatio;
        o.MinRetriesPerWindow = MinRetriesPerWindow;
        o.BudgetWindow = TimeSpan.FromMinutes(1);
    }
}
