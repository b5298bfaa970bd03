using System.Net;
using System.Text;
using Balancer.Client.Resilience;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Resilience;

/// <summary>
/// Hedges and retries of a client draw on one budget: extra attempts ≤ max(<see cref="MinRetriesPerWindow"/>,
/// <see cref="BudgetRatio"/> × requests) over the window (a minute here, so that a run fits in one window). A server
/// that pushes back (429, Retry-After) is never answered with an immediate copy, and a request that is not safe is
/// never sent twice at once unless hedging was opted in for it.
/// </summary>
public sealed class HedgingBudgetTests
{
    private const double BudgetRatio = 0.2;
    private const int MinRetriesPerWindow = 10;

    [Fact]
    public async Task Get_AllBackendsAnswer503_FiveHedgesAllowed_BackendHitsStayWithinTheBudget()
    {
        const string Name = "hedge-all-503";
        const int Requests = 100;
        await using var cluster = await StartFailingClusterAsync();
        await using var provider = TestServices.Build(
            Name,
            o => Configure(o, cluster),
            client: b => b.AddBalancerHedging(Hedging),
            services: s => s.Configure<BalancerRetryOptions>(Name, Budget));
        var client = provider.CreateClient(Name);

        for (var i = 0; i < Requests; i++)
        {
            using var response = await client.GetAsync("/all-fail");
            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }

        // Without a budget every request is hedged five times at once (600 hits).
        var extra = cluster.TotalReceived - Requests;
        extra.Should().BeLessThanOrEqualTo((long)Math.Max(MinRetriesPerWindow, BudgetRatio * Requests), "hedges are capped by the budget")
            .And.BeGreaterThanOrEqualTo(MinRetriesPerWindow, "hedges happen until the budget is spent");
    }

    [Fact]
    public async Task Get_AllBackendsAnswer503_RetryAndHedgingTogether_ExtraAttemptsShareOneBudget()
    {
        const string Name = "retry-and-hedge-all-503";
        const int Requests = 100;
        await using var cluster = await StartFailingClusterAsync();
        await using var provider = TestServices.Build(
            Name,
            o => Configure(o, cluster),
            client: b => b
                .AddBalancerRetry(o =>
                {
                    Budget(o);
                    o.MaxRetryAttempts = 3;
                    o.Delay = TimeSpan.Zero;
                })
                .AddBalancerHedging(Hedging));
        var client = provider.CreateClient(Name);

        for (var i = 0; i < Requests; i++)
        {
            using var response = await client.GetAsync("/all-fail");
            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }

        var extra = cluster.TotalReceived - Requests;
        extra.Should().BeLessThanOrEqualTo((long)Math.Max(MinRetriesPerWindow, BudgetRatio * Requests), "retries and hedges draw on one budget")
            .And.BeGreaterThanOrEqualTo(MinRetriesPerWindow);
    }

    [Theory]
    [InlineData(429, 0)]
    [InlineData(503, 1)]
    public async Task Get_FirstAttemptFails_HedgeAnswersWithBackPressure_NoFurtherCopyAtOnce(int status, int retryAfterSeconds)
    {
        var name = $"back-pressure-at-once-{status}";
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.FailureRate = 1;
            o.Behavior.FailureStatusCode = i == 0 ? 503 : status;
            o.Behavior.RetryAfter = i == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(retryAfterSeconds);
        });
        await using var provider = BuildPreferringBackend0(name, cluster, TimeSpan.FromMinutes(1));
        var client = provider.CreateClient(name);

        using var response = await client.GetAsync("/fails-then-pushed-back");

        // backend-0's 503 is hedged at once on backend-1, which pushes back. Without back-pressure handling, copies
        // follow at once on backend-2 and backend-0 again, until five are spent (the minute of delay never passes).
        ((int)response.StatusCode).Should().BeOneOf(503, status);
        cluster.TotalReceived.Should().Be(2, "no copy answers a push-back");
        cluster[2].RequestsReceived.Should().Be(0);
    }

    [Theory]
    [InlineData(429, 0)]
    [InlineData(503, 1)]
    public async Task Get_HedgeAnswersWithBackPressure_NoFurtherCopy_SlowFirstAttemptStillWins(int status, int retryAfterSeconds)
    {
        var name = $"back-pressure-{status}";
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.Distribution = ServiceTimeDistribution.Constant;
            o.Behavior.MeanServiceTime = i == 0 ? TimeSpan.FromSeconds(3) : TimeSpan.Zero;
            o.Behavior.FailureRate = i == 0 ? 0 : 1;
            o.Behavior.FailureStatusCode = status;
            o.Behavior.RetryAfter = TimeSpan.FromSeconds(retryAfterSeconds);
        });
        await using var provider = BuildPreferringBackend0(name, cluster, TimeSpan.FromMilliseconds(500));
        var client = provider.CreateClient(name);

        using var response = await client.GetAsync("/slow-first");

        // The first attempt goes to the slow backend-0; the copy after 500 ms is pushed back by backend-1. Without
        // back-pressure handling, copies follow at once on backend-2 and then on backend-0 again. (Only a stall of the
        // machine longer than the delay lets a second timed copy out before the push-back arrives.)
        response.StatusCode.Should().Be(HttpStatusCode.OK, "the first attempt is still in flight and is waited for");
        response.BackendName().Should().Be("backend-0");
        cluster[0].RequestsReceived.Should().Be(1, "no copy is sent after the push-back");
        (cluster[1].RequestsReceived + cluster[2].RequestsReceived).Should().BeInRange(1, 2);
    }

    [Fact]
    public async Task Get_FirstAttemptAnswers408_HedgedAtOnceLikeARetry()
    {
        const string Name = "hedge-408";
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.FailureRate = i == 0 ? 1 : 0;
            o.Behavior.FailureStatusCode = 408;
        });
        await using var provider = TestServices.Build(
            Name,
            o => o.AddEndpoints(cluster),
            client: b => b
                .UseEndpointSelector("prefers-backend-0", _ => new PreferredEndpointSelector(cluster[0].Port))
                .AddBalancerHedging(o => o.Delay = TimeSpan.FromMinutes(1)));
        var client = provider.CreateClient(Name);

        using var response = await client.GetAsync("/request-timeout");

        // 408 is transient for retry and hedging alike: the copy goes out at once, not after the minute of delay.
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.BackendName().Should().NotBe("backend-0");
        cluster.TotalReceived.Should().Be(2);
    }

    [Fact]
    public async Task Post_AllowNonIdempotentRetryWithRetryAlongside_NeverSentTwiceAtOnce_AllowHedgingOptsIn()
    {
        const string Name = "post-not-hedged";
        const int Posts = 10;
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) =>
        {
            o.Behavior.Distribution = ServiceTimeDistribution.Constant;
            o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(500);
        });
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoints(cluster);
            },
            client: b => b.AddBalancerRetry().AddBalancerHedging(o => o.Delay = TimeSpan.FromMilliseconds(20)));
        var client = provider.CreateClient(Name);

        await Task.WhenAll(Enumerable.Range(0, Posts).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            request.AllowNonIdempotentRetry();
            using var response = await client.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }));

        cluster.TotalReceived.Should().Be(Posts, "the retry opt-in does not allow concurrent copies of a POST");

        // Hedging opted in for the request: a copy goes out after 20 ms while the first attempt takes 500 ms.
        cluster.ResetCounters();
        using var hedged = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        hedged.AllowHedging();
        using var hedgedResponse = await client.SendAsync(hedged);
        hedgedResponse.StatusCode.Should().Be(HttpStatusCode.OK);
        cluster.TotalReceived.Should().Be(2);
    }

    private static ServiceProvider BuildPreferringBackend0(string name, BackendCluster cluster, TimeSpan delay) =>
        TestServices.Build(
            name,
            o => o.AddEndpoints(cluster),
            client: b => b
                .UseEndpointSelector("prefers-backend-0", _ => new PreferredEndpointSelector(cluster[0].Port))
                .AddBalancerHedging(o =>
                {
                    o.MaxHedgedAttempts = 5;
                    o.Delay = delay;
                }));

    private static Task<BackendCluster> StartFailingClusterAsync() => BackendCluster.StartAsync(3, (_, o) =>
    {
        o.Behavior.MeanServiceTime = TimeSpan.Zero;
        o.Behavior.FailureRate = 1;
    });

    private static void Configure(BalancerOptions o, BackendCluster cluster)
    {
        o.Selector = EndpointSelectorNames.Random;
        o.AddEndpoints(cluster);
    }

    private static void Hedging(BalancerHedgingOptions o)
    {
        o.MaxHedgedAttempts = 5;
        o.Delay = TimeSpan.FromMilliseconds(20);
    }

    private static void Budget(BalancerRetryOptions o)
    {
        o.BudgetRatio = BudgetRatio;
        o.MinRetriesPerWindow = MinRetriesPerWindow;
        o.BudgetWindow = TimeSpan.FromMinutes(1);
    }
}
