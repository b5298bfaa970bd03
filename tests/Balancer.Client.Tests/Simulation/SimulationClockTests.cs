using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Tests.Simulation;

public class SimulationClockTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Timestamps_AreTicksOfVirtualTime()
    {
        var clock = new SimulationClock(s_start);
        var first = clock.GetTimestamp();

        clock.RunUntil(TimeSpan.FromMilliseconds(1500));

        clock.TimestampFrequency.Should().Be(TimeSpan.TicksPerSecond);
        clock.GetElapsedTime(first).Should().Be(TimeSpan.FromMilliseconds(1500));
        clock.GetUtcNow().Should().Be(s_start.AddMilliseconds(1500));
        clock.Elapsed.Should().Be(TimeSpan.FromMilliseconds(1500));
    }

    [Fact]
    public void RunUntil_RunsEventsInOrderOfTimeThenOfScheduling()
    {
        var clock = new SimulationClock(s_start);
        var order = new List<string>();
        clock.Schedule(TimeSpan.FromSeconds(2), () => order.Add("b@2"));
        clock.Schedule(TimeSpan.FromSeconds(1), () => order.Add("a@1"));
        clock.Schedule(TimeSpan.FromSeconds(2), () => order.Add("c@2"));
        clock.Schedule(TimeSpan.FromSeconds(1), () => clock.Schedule(TimeSpan.Zero, () => order.Add("d@1 (scheduled at 1)")));
        clock.Schedule(TimeSpan.FromSeconds(3), () => order.Add("e@3"));

        var run = clock.RunUntil(TimeSpan.FromSeconds(2));

        run.Should().Be(5);
        order.Should().Equal("a@1", "d@1 (scheduled at 1)", "b@2", "c@2");
        clock.PendingEvents.Should().Be(1);
        clock.RunNext().Should().BeTrue();
        order.Should().EndWith("e@3");
        clock.Elapsed.Should().Be(TimeSpan.FromSeconds(3));
        clock.RunNext().Should().BeFalse();
    }

    [Fact]
    public void CreateTimer_Periodic_FiresAtVirtualTimesUntilChangedOrDisposed()
    {
        var clock = new SimulationClock(s_start);
        var fired = new List<TimeSpan>();
        var timer = clock.CreateTimer(_ => fired.Add(clock.Elapsed), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        clock.RunUntil(TimeSpan.FromSeconds(6));
        fired.Should().Equal(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));

        timer.Change(TimeSpan.FromMilliseconds(500), Timeout.InfiniteTimeSpan);
        clock.RunUntil(TimeSpan.FromSeconds(10));
        fired.Should().HaveCount(4).And.EndWith(TimeSpan.FromSeconds(6.5));

        timer.Change(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        timer.Dispose();
        clock.RunUntil(TimeSpan.FromSeconds(20));
        fired.Should().HaveCount(4);
    }

    [Fact]
    public void RunUntil_TimeBeforeNow_Throws()
    {
        var clock = new SimulationClock();
        clock.RunUntil(TimeSpan.FromSeconds(1));

        var act = () => clock.RunUntil(TimeSpan.FromMilliseconds(500));

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
