using Balancer.Client.Feedback;
using Balancer.Client.Selection;
using Balancer.Client.Selection.MlScored;

namespace Balancer.Client.Tests.Selection;

/// <summary>The math of the ML-scored selector: request classes, normal draws (the class models are tested in Feedback/ClassEstimates).</summary>
public class MlScoredModelTests
{
    [Theory]
    [InlineData(0.5, 0)]
    [InlineData(0.975, 1.959963985)]
    [InlineData(0.025, -1.959963985)]
    [InlineData(0.001, -3.090232306)]
    public void Quantile_MatchesTheNormalDistribution(double p, double z)
    {
        StandardNormal.Quantile(p).Should().BeApproximately(z, 1e-6);
    }

    [Fact]
    public void Next_DrawsHaveMeanZeroAndVarianceOne()
    {
        var random = RandomSource.Create(7);
        var draws = Enumerable.Range(0, 100_000).Select(_ => StandardNormal.Next(random)).ToArray();

        draws.Average().Should().BeApproximately(0, 0.02);
        draws.Select(d => d * d).Average().Should().BeApproximately(1, 0.03);
    }

    [Theory]
    [InlineData("http://catalog/orders/42?x=1", "orders")]
    [InlineData("http://catalog/orders?x=1", "orders")]
    [InlineData("http://catalog/", "")]
    [InlineData("http://catalog", "")]
    public void FirstSegment_IsTheFirstPathSegment(string uri, string expected)
    {
        RequestClassifier.FirstSegment(new Uri(uri)).ToString().Should().Be(expected);
    }

    [Fact]
    public void Hash_IsFnv1a_StableAcrossProcesses()
    {
        RequestClassifier.Hash("a").Should().Be(0xE40C292Cu);
        RequestClassifier.Hash(string.Empty).Should().Be(2166136261u);
    }

    [Fact]
    public void Describe_SameRouteSameClass_MethodAndSizeMakeOtherClasses()
    {
        using var getA = new HttpRequestMessage(HttpMethod.Get, "http://catalog/a/1");
        using var getA2 = new HttpRequestMessage(HttpMethod.Get, "http://catalog/a/2?q=3");
        using var postA = new HttpRequestMessage(HttpMethod.Post, "http://catalog/a/1") { Content = new ByteArrayContent(new byte[2000]) };

        var first = RequestClassifier.Describe(getA, null, 1024);
        var second = RequestClassifier.Describe(getA2, null, 1024);
        var post = RequestClassifier.Describe(postA, null, 1024);

        second.Should().Be(first);
        post.Method.Should().Be(2);
        post.RouteKey.Should().Be(first.RouteKey);
        post.Class.Should().NotBe(first.Class);
        post.ContentLength.Should().BeApproximately((float)Math.Log(2001), 1e-5f);
        RequestClassifier.Describe(getA, _ => "custom", 1024).RouteKey.Should().NotBe(first.RouteKey);
    }

    [Fact]
    public void RememberThenRecall_CarriesTheClassToTheFeedback()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/a");

        AttemptContext.TryGetRequestClass(request, out _).Should().BeFalse();
        AttemptContext.SetRequestClass(request, 7);

        AttemptContext.TryGetRequestClass(request, out var recalled).Should().BeTrue();
        recalled.Should().Be(7);
    }

    [Theory]
    [InlineData("http://catalog/api/orders/42", "http://catalog/api/orders/43?x=1")]
    [InlineData("http://catalog/api/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301/lines", "http://catalog/api/orders/0c8e1a2b-4f89-11d3-9a0c-0305e82c3301/lines")]
    [InlineData("http://catalog/blobs/0123456789abcdef0123", "http://catalog/blobs/fedcba9876543210fedc")]
    [InlineData("http://catalog/s/aZ3_kP9qLm2xYv7Bn4Tc", "http://catalog/s/Qw8eRt5yUi1oPa6sDf0G")]
    public void Describe_IdsOfOneRoute_ShareTheClass(string first, string second)
    {
        using var a = new HttpRequestMessage(HttpMethod.Get, first);
        using var b = new HttpRequestMessage(HttpMethod.Get, second);

        RequestClassifier.Describe(b, null, 1024).Should().Be(RequestClassifier.Describe(a, null, 1024));
    }

    [Fact]
    public void Describe_RoutesUnderOnePrefix_AreDifferentClasses()
    {
        using var orders = new HttpRequestMessage(HttpMethod.Get, "http://catalog/api/orders/1");
        using var users = new HttpRequestMessage(HttpMethod.Get, "http://catalog/api/users/1");
        using var search = new HttpRequestMessage(HttpMethod.Get, "http://catalog/api/search");

        var classes = new[] { orders, users, search }.Select(r => RequestClassifier.Describe(r, null, 1 << 20).Class);

        classes.Should().OnlyHaveUniqueItems();
    }

    [Theory]
    [InlineData("orders", false)]
    [InlineData("v2", false)]
    [InlineData("product-details", false)]
    [InlineData("42", true)]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301", true)]
    [InlineData("0123456789abcdef", true)]
    [InlineData("aZ3_kP9qLm2xYv7Bn4Tc", true)]
    public void IsIdentifier_TellsIdsFromRouteWords(string segment, bool expected)
    {
        RequestClassifier.IsIdentifier(segment).Should().Be(expected);
    }

    [Fact]
    public void Describe_NamedClass_OverridesPathMethodAndSize()
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, "http://catalog/a/1").SetBalancerRequestClass("search");
        using var post = new HttpRequestMessage(HttpMethod.Post, "http://catalog/b") { Content = new ByteArrayContent(new byte[2000]) };
        post.SetBalancerRequestClass("search");
        using var plain = new HttpRequestMessage(HttpMethod.Get, "http://catalog/a/1");

        var named = RequestClassifier.Describe(get, _ => "custom", 1 << 20);

        RequestClassifier.Describe(post, null, 1 << 20).Class.Should().Be(named.Class);
        RequestClassifier.Describe(plain, null, 1 << 20).Class.Should().NotBe(named.Class);
        get.SetBalancerRequestClass(string.Empty);
        RequestClassifier.Describe(get, null, 1 << 20).Should().Be(RequestClassifier.Describe(plain, null, 1 << 20));
    }
}
