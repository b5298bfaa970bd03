using Balancer.Client.Http;

namespace Balancer.Client.Tests.Http;

public class BalancerRequestOptionsTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void TryAddTried_FirstAttempt_KeepsOneEndpoint()
    {
        using var request = new HttpRequestMessage();
        var a = _endpoints.Create(5000);

        BalancerRequestOptions.TryAddTried(request, [], a).Should().BeTrue();

        BalancerRequestOptions.GetTried(request).Should().Equal(a);
    }

    [Fact]
    public void TryAddTried_CopySharingTheAttempts_SeesTheEndpointsOfEveryEarlierCopy()
    {
        using var original = new HttpRequestMessage();
        var attempts = BalancerRequestOptions.Share(original);
        using var first = CopyOf(original);
        using var second = CopyOf(original);
        var a = _endpoints.Create(5000);
        var b = _endpoints.Create(5001);

        BalancerRequestOptions.TryAddTried(original, [], a).Should().BeTrue();
        BalancerRequestOptions.TryAddTried(first, BalancerRequestOptions.GetTried(first), b).Should().BeTrue();

        BalancerRequestOptions.GetTried(second).Should().Equal(a, b);
        attempts.Tried.Should().Equal(a, b);
    }

    [Fact]
    public void TryAddTried_EndpointTakenByAConcurrentCopyAfterThisOneLooked_RefusedThenAnotherIsAccepted()
    {
        using var original = new HttpRequestMessage();
        BalancerRequestOptions.Share(original);
        using var copy = CopyOf(original);
        var a = _endpoints.Create(5000);
        var b = _endpoints.Create(5001);
        var c = _endpoints.Create(5002);
        BalancerRequestOptions.TryAddTried(original, [], a).Should().BeTrue();
        var seenByBoth = BalancerRequestOptions.GetTried(original);

        BalancerRequestOptions.TryAddTried(original, seenByBoth, b).Should().BeTrue();

        BalancerRequestOptions.TryAddTried(copy, seenByBoth, b).Should().BeFalse("the other copy took it after this one looked");
        BalancerRequestOptions.TryAddTried(copy, seenByBoth, c).Should().BeTrue();
        BalancerRequestOptions.TryAddTried(copy, BalancerRequestOptions.GetTried(copy), a).Should().BeTrue("an endpoint tried before this copy looked may be reused");
        BalancerRequestOptions.GetTried(original).Should().Equal(a, b, c, a);
    }

    [Fact]
    public void TryMarkCounted_TrueOnceForAllCopies()
    {
        using var original = new HttpRequestMessage();
        BalancerRequestOptions.Share(original).TryMarkCounted().Should().BeTrue();
        using var copy = CopyOf(original);

        BalancerRequestOptions.Share(copy).TryMarkCounted().Should().BeFalse();
        BalancerRequestOptions.Share(original).TryMarkCounted().Should().BeFalse();
    }

    private static HttpRequestMessage CopyOf(HttpRequestMessage original)
    {
        var copy = new HttpRequestMessage();
        foreach (var option in original.Options)
        {
            ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
        }

        return copy;
    }
}
