namespace Balancer.Client.Dns.Tests;

public sealed class RefreshScheduleTests
{
    private static readonly TimeSpan s_min = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_max = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(5, 5)]
    [InlineData(30, 30)]
    [InlineData(60, 60)]
    [InlineData(3600, 60)]
    [InlineData(-1, 1)]
    [InlineData(int.MaxValue, 60)]
    public void AfterAnswer_TheTtlWithinTheBounds(int ttlSeconds, int expectedSeconds) =>
        RefreshSchedule.AfterAnswer(ttlSeconds, s_min, s_max).Should().Be(TimeSpan.FromSeconds(expectedSeconds));

    [Fact]
    public void AfterAnswer_SubSecondMinimum_TtlZeroUsesIt() =>
        RefreshSchedule.AfterAnswer(0, TimeSpan.FromMilliseconds(250), s_max).Should().Be(TimeSpan.FromMilliseconds(250));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(1000, 60)]
    [InlineData(0, 1)]
    public void AfterFailure_MinimumDoublingUpToTheMaximum(int consecutiveFailures, int expectedSeconds) =>
        RefreshSchedule.AfterFailure(consecutiveFailures, s_min, s_max).Should().Be(TimeSpan.FromSeconds(expectedSeconds));
}
