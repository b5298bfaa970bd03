using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;

namespace Balancer.Client.Tests.Feedback;

public class AttemptContextTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void TryAddTried_FirstAttempt_KeepsOneEndpoint()
    {
        using var request = new HttpRequestMessage();
        var a = _endpoints.Create(5000);

        AttemptContext.TryAddTried(request, [], a).Should().BeTrue();

        AttemptContext.GetTried(request).Should().Equal(a);
    }

    [Fact]
    public void TryAddTried_CopySharingTheAttempts_SeesTheEndpointsOfEveryEarlierCopy()
    {
        using var original = new HttpRequestMessage();
        var attempts = AttemptContext.Share(original);
        using var first = CopyOf(original);
        using var second = CopyOf(original);
        var a = _endpoints.Create(5000);
        var b = _endpoints.Create(5001);

        AttemptContext.TryAddTried(original, [], a).Should().BeTrue();
        AttemptContext.TryAddTried(first, AttemptContext.GetTried(first), b).Should().BeTrue();

        AttemptContext.GetTried(second).Should().Equal(a, b);
        attempts.Tried.Should().Equal(a, b);
    }

    [Fact]
    public void TryAddTried_EndpointTakenByAConcurrentCopyAfterThisOneLooked_RefusedThenAnotherIsAccepted()
    {
        using var original = new HttpRequestMessage();
        AttemptContext.Share(original);
        using var copy = CopyOf(original);
        var a = _endpoints.Create(5000);
        var b = _endpoints.Create(5001);
        var c = _endpoints.Create(5002);
        AttemptContext.TryAddTried(original, [], a).Should().BeTrue();
        var seenByBoth = AttemptContext.GetTried(original);

        AttemptContext.TryAddTried(original, seenByBoth, b).Should().BeTrue();

        AttemptContext.TryAddTried(copy, seenByBoth, b).Should().BeFalse("the other copy took it after this one looked");
        AttemptContext.TryAddTried(copy, seenByBoth, c).Should().BeTrue();
        AttemptContext.TryAddTried(copy, AttemptContext.GetTried(copy), a).Should().BeTrue("an endpoint tried before this copy looked may be reused");
        AttemptContext.GetTried(original).Should().Equal(a, b, c, a);
    }

    [Fact]
    public void TryMarkCounted_TrueOnceForAllCopies()
    {
        using var original = new HttpRequestMessage();
        AttemptContext.Share(original).TryMarkCounted().Should().BeTrue();
        using var copy = CopyOf(original);

        AttemptContext.Share(copy).TryMarkCounted().Should().BeFalse();
        AttemptContext.Share(original).TryMarkCounted().Should().BeFalse();
    }

    [Fact]
    public void RequestClass_SetBeforeTheFirstAttempt_TravelsWithTheTriedEndpoints()
    {
        using var request = new HttpRequestMessage();
        var a = _endpoints.Create(5000);
        var b = _endpoints.Create(5001);

        AttemptContext.SetRequestClass(request, 3);
        AttemptContext.TryAddTried(request, [], a).Should().BeTrue();

        AttemptContext.GetTried(request).Should().Equal(a);
        AttemptContext.TryGetRequestClass(request, out var afterFirst).Should().BeTrue();
        afterFirst.Should().Be(3);

        AttemptContext.SetRequestClass(request, 5);
        AttemptContext.TryAddTried(request, [a], b).Should().BeTrue();

        AttemptContext.GetTried(request).Should().Equal(a, b);
        AttemptContext.TryGetRequestClass(request, out var afterRetry).Should().BeTrue();
        afterRetry.Should().Be(5, "the class of the last pick");
    }

    [Fact]
    public void RequestClass_OfASharedRequest_IsSeenByEveryCopy()
    {
        using var original = new HttpRequestMessage();
        AttemptContext.SetRequestClass(original, 2);
        var attempts = AttemptContext.Share(original);
        using var copy = CopyOf(original);

        AttemptContext.TryGetRequestClass(copy, out var shared).Should().BeTrue("sharing keeps the class");
        shared.Should().Be(2);
        AttemptContext.SetRequestClass(copy, 9);

        AttemptContext.TryGetRequestClass(original, out var seen).Should().BeTrue();
        seen.Should().Be(9);
        attempts.RequestClass.Should().Be(9);
    }

    [Fact]
    public void ClassifiedFirstAttempt_AfterTheFirstOfItsClassOnThatEndpoint_AllocatesNothing()
    {
        var endpoint = _endpoints.Create(5000);
        using (var warmUp = new HttpRequestMessage())
        {
            Attempt(warmUp, endpoint);
        }

        using var request = new HttpRequestMessage();
        var placeholder = new HttpRequestOptionsKey<object>("placeholder");
        request.Options.Set(placeholder, endpoint); // the request's own options storage, which any option would allocate
        ((IDictionary<string, object?>)request.Options).Remove(placeholder.Key);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var requestClass = Attempt(request, endpoint);
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
        requestClass.Should().Be(4);
    }

    [Fact]
    public void SetRequestClass_OutOfRange_Throws()
    {
        using var request = new HttpRequestMessage();

        ((Action)(() => AttemptContext.SetRequestClass(request, -1))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => AttemptContext.SetRequestClass(request, AttemptContext.MaxRequestClasses))).Should().Throw<ArgumentOutOfRangeException>();
        AttemptContext.TryGetRequestClass(request, out _).Should().BeFalse();
    }

    [Fact]
    public void CopyOptions_GivesTheCopyTheCallersOptionsAndTheSharedAttempts()
    {
        using var original = new HttpRequestMessage().SetBalancerHashKey("user-1");
        var attempts = AttemptContext.Share(original);
        var snapshot = AttemptContext.SnapshotOptions(original);
        using var copy = new HttpRequestMessage();

        AttemptContext.CopyOptions(snapshot, copy);

        BalancerHttpRequestExtensions.TryGetHashKey(copy, out var key).Should().BeTrue();
        key.Should().Be("user-1");
        AttemptContext.Share(copy).Should().BeSameAs(attempts);
    }

    private static int Attempt(HttpRequestMessage request, BalancerEndpoint endpoint)
    {
        AttemptContext.SetRequestClass(request, 4);
        AttemptContext.TryAddTried(request, [], endpoint);
        AttemptContext.TryGetRequestClass(request, out var requestClass);
        return requestClass;
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
