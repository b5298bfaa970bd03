using Balancer.Client.Feedback;
using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

/// <summary>The math of the ML-scored selector's online model: decayed sums, posteriors, request classes, normal draws.</summary>
public class MlScoredModelTests
{
    private const long Second = TimeSpan.TicksPerSecond;
    private static readonly double s_inverseDecay = 1.0 / (10 * Second); // τ = 10 s in ticks

    [Fact]
    public void Record_ThenRead_GivesTheMeanAndVarianceOfTheSamples()
    {
        var model = new EndpointModel(1);
        var t = 1000 * Second;
        foreach (var ms in new[] { 10, 20, 30 })
        {
            model.Record(0, failure: false, ms / 1000.0, t, s_inverseDecay, window: 100_000);
        }

        var estimate = model.Read(0, t, s_inverseDecay);

        estimate.Samples.Should().BeApproximately(3, 1e-3);
        estimate.Mean.Should().BeApproximately(0.020, 1e-6);
        estimate.Variance.Should().BeApproximately(200.0 / 3 * 1e-6, 1e-8); // population variance of 10, 20, 30 ms
        estimate.Attempts.Should().BeApproximately(3, 1e-3);
        estimate.Failures.Should().Be(0);
    }

    [Fact]
    public void Read_AfterTauWithoutSamples_CountsDecayToOneOverE()
    {
        var model = new EndpointModel(1);
        var t = 1000 * Second;
        model.Record(0, failure: false, 0.010, t, s_inverseDecay, window: 50);
        model.Record(0, failure: true, 0.001, t, s_inverseDecay, window: 50);

        var later = model.Read(0, t + (10 * Second), s_inverseDecay);
        var now = model.Read(0, t, s_inverseDecay);

        later.Samples.Should().BeApproximately(now.Samples / Math.E, 1e-9);
        later.Attempts.Should().BeApproximately(now.Attempts / Math.E, 1e-9);
        later.Mean.Should().Be(now.Mean, "the mean does not fade, only the confidence in it");
    }

    [Fact]
    public void Record_ManySamples_RemembersAboutTheWindow_AndFollowsAChangeWithinIt()
    {
        var model = new EndpointModel(1);
        var t = 1000 * Second;
        for (var i = 0; i < 1000; i++)
        {
            model.Record(0, failure: false, 0.010, t + i, s_inverseDecay, window: 20);
        }

        model.Read(0, t + 1000, s_inverseDecay).Samples.Should().BeApproximately(20, 0.01);
        for (var i = 0; i < 60; i++)
        {
            model.Record(0, failure: false, 0.040, t + 1000 + i, s_inverseDecay, window: 20);
        }

        // After 3 windows of 40 ms samples, (1 − 1/20)^60 ≈ 5% of the weight is still on the old 10 ms.
        model.Read(0, t + 1060, s_inverseDecay).Mean.Should().BeApproximately(0.040 - (0.030 * Math.Pow(0.95, 60)), 1e-4);
    }

    [Fact]
    public void Record_FastFailure_CountsAsFailureButNotAsSpeed_ATimeoutCountsAsBoth()
    {
        var model = new EndpointModel(1);
        var t = 1000 * Second;
        model.Record(0, failure: false, 0.020, t, s_inverseDecay, window: 100_000);
        model.Record(0, failure: true, 0.001, t, s_inverseDecay, window: 100_000);

        var afterRefused = model.Read(0, t, s_inverseDecay);
        afterRefused.Mean.Should().BeApproximately(0.020, 1e-6);
        afterRefused.Failures.Should().BeApproximately(1, 1e-3);
        afterRefused.Attempts.Should().BeApproximately(2, 1e-3);

        model.Record(0, failure: true, 5.0, t, s_inverseDecay, window: 100_000);
        model.Read(0, t, s_inverseDecay).Mean.Should().BeApproximately((0.020 + 5.0) / 2, 1e-3);
    }

    [Fact]
    public void Record_KeepsClassesApart()
    {
        var model = new EndpointModel(2);
        model.Record(1, failure: false, 0.050, 1000 * Second, s_inverseDecay, window: 50);

        model.Read(0, 1000 * Second, s_inverseDecay).Should().Be(default(ClassEstimate));
        model.Read(1, 1000 * Second, s_inverseDecay).Mean.Should().Be(0.050);
    }

    [Fact]
    public void Latency_WithoutSamples_IsThePrior_WithTheUncertaintyOfTwoSamples()
    {
        var (latency, uncertainty) = default(ClassEstimate).Latency(prior: 0.030);

        latency.Should().Be(0.030);
        uncertainty.Should().BeApproximately(Math.Sqrt(0.5), 1e-12); // coefficient of variation 1 over √2
    }

    [Fact]
    public void Latency_WithSamples_BlendsPriorAndMean_AndShrinksTheUncertainty()
    {
        // Two samples' worth of prior (30 ms) and two samples of mean 10 ms without spread.
        var (latency, uncertainty) = new ClassEstimate(2, 0.010, 0, 2, 0).Latency(prior: 0.030);

        latency.Should().BeApproximately(0.020, 1e-12);
        uncertainty.Should().BeApproximately(Math.Sqrt(((2 * 1.0) + 0) / 4 / 4), 1e-12);

        var (many, smaller) = new ClassEstimate(998, 0.010, 1e-4, 998, 0).Latency(prior: 0.030);
        many.Should().BeApproximately(((2 * 0.030) + (998 * 0.010)) / 1000, 1e-12);
        smaller.Should().BeLessThan(0.05);
    }

    [Fact]
    public void FailureProbability_BlendsThePriorWithTheClassCounts()
    {
        default(ClassEstimate).FailureProbability(prior: 0.2).Should().BeApproximately(0.2, 1e-12);
        new ClassEstimate(0, 0, 0, Attempts: 8, Failures: 4).FailureProbability(prior: 0).Should().BeApproximately(0.4, 1e-12);
    }

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
