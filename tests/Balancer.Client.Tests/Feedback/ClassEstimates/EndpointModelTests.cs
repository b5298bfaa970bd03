using Balancer.Client.Feedback.ClassEstimates;

namespace Balancer.Client.Tests.Feedback.ClassEstimates;

/// <summary>The math of the online class models: decayed sums, posteriors, the summary across classes.</summary>
public class EndpointModelTests
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
    public void Seed_AnUnmeasuredClass_CountsAsSamplesWithoutAttempts_AndOwnSamplesTakeOver()
    {
        var model = new EndpointModel(2);
        var t = 1000 * Second;

        model.Seed(1, 0.040, weight: 2, t).Should().BeTrue();
        model.Seed(1, 0.090, weight: 2, t).Should().BeFalse("a class takes one seed, before its first sample");
        var seeded = model.Read(1, t, s_inverseDecay);
        seeded.Samples.Should().BeApproximately(2, 1e-9);
        seeded.Mean.Should().BeApproximately(0.040, 1e-9);
        seeded.Variance.Should().BeApproximately(0.040 * 0.040, 1e-9, "coefficient of variation 1");
        seeded.Attempts.Should().Be(0, "a seed says nothing of failures");

        for (var i = 0; i < 40; i++)
        {
            model.Record(1, failure: false, 0.010, t + (i * Second / 100), s_inverseDecay, window: 16);
        }

        var learnt = model.Read(1, t + Second, s_inverseDecay);
        learnt.Mean.Should().BeApproximately(0.010, 0.001, "the endpoint's own samples outweigh the seed within the window");
        learnt.Attempts.Should().BeGreaterThan(10);
        model.Seed(0, 0.040, weight: 2, t).Should().BeTrue("the other class is still unmeasured");
        model.Read(0, t, s_inverseDecay).Mean.Should().BeApproximately(0.040, 1e-9);
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

    [Fact]
    public void Summarize_WeighsClassMeansBySamples_AndNamesTheFastestAndSlowest()
    {
        var model = new EndpointModel(3);
        var t = 1000 * Second;
        model.Record(0, failure: false, 0.010, t, s_inverseDecay, window: 100_000);
        model.Record(2, failure: false, 0.040, t, s_inverseDecay, window: 100_000);
        model.Record(2, failure: false, 0.040, t, s_inverseDecay, window: 100_000);

        var summary = model.Summarize(t, s_inverseDecay);

        summary.Classes.Should().Be(2);
        summary.Samples.Should().BeApproximately(3, 1e-3);
        summary.Mean.Should().BeApproximately(0.030, 1e-6);
        summary.Fastest.Should().BeApproximately(0.010, 1e-9);
        summary.Slowest.Should().BeApproximately(0.040, 1e-9);
        new EndpointModel(2).Summarize(t, s_inverseDecay).Should().Be(default(ClassSummary));
    }
}
