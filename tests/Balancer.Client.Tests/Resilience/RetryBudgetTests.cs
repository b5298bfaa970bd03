using Balancer.Client.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace Balancer.Client.Tests.Resilience;

public class RetryBudgetTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TryRetry_AllowsTheRatioOfRequests()
    {
        var budget = new RetryBudget(_time, TimeSpan.FromSeconds(10), 0.2, minimum: 0);
        for (var i = 0; i < 100; i++)
        {
            budget.OnRequest();
        }

        var allowed = Enumerable.Range(0, 50).Count(_ => budget.TryRetry());

        allowed.Should().Be(20);
    }

    [Fact]
    public void TryRetry_LowTraffic_KeepsTheMinimum()
    {
        var budget = new RetryBudget(_time, TimeSpan.FromSeconds(10), 0.2, minimum: 10);
        budget.OnRequest();

        Enumerable.Range(0, 50).Count(_ => budget.TryRetry()).Should().Be(10);
    }

    [Fact]
    public void TryRetry_OldRequestsAndRetriesLeaveTheWindow()
    {
        var budget = new RetryBudget(_time, TimeSpan.FromSeconds(10), 0.2, minimum: 0);
        for (var i = 0; i < 100; i++)
        {
            budget.OnRequest();
        }

        Enumerable.Range(0, 20).Count(_ => budget.TryRetry()).Should().Be(20);
        budget.TryRetry().Should().BeFalse();

        _time.Advance(TimeSpan.FromSeconds(11));
        budget.TryRetry().Should().BeFalse("the requests that paid for retries are out of the window too");
        for (var i = 0; i < 10; i++)
        {
            budget.OnRequest();
        }

        Enumerable.Range(0, 10).Count(_ => budget.TryRetry()).Should().Be(2);
    }
}
