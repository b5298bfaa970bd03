using Balancer.Client.Feedback;

namespace Balancer.Client.Tests.Feedback;

public class OrcaLoadReportParserTests
{
    private static readonly DateTimeOffset s_now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryParse_Text_ReadsEveryField()
    {
        OrcaLoadReportParser.TryParse("TEXT cpu_utilization=0.3, mem_utilization=0.8, application_utilization=0.5, rps_fractional=10.5, eps=0.25, named_metrics.queue=7", s_now, out var report).Should().BeTrue();

        report!.CpuUtilization.Should().Be(0.3);
        report.MemUtilization.Should().Be(0.8);
        report.ApplicationUtilization.Should().Be(0.5);
        report.Utilization.Should().Be(0.5, "application utilization wins over CPU");
        report.RpsFractional.Should().Be(10.5);
        report.Eps.Should().Be(0.25);
        report.NamedMetrics.Should().ContainKey("queue").WhoseValue.Should().Be(7);
        report.ReceivedAt.Should().Be(s_now);
    }

    [Fact]
    public void TryParse_Json_ReadsFieldsAndNamedMetrics()
    {
        OrcaLoadReportParser.TryParse("""JSON {"cpu_utilization": 0.9, "rps_fractional": 100, "named_metrics": {"gpu": 0.4}}""", s_now, out var report).Should().BeTrue();

        report!.Utilization.Should().Be(0.9);
        report.RpsFractional.Should().Be(100);
        report.NamedMetrics["gpu"].Should().Be(0.4);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("BIN AAAA")]
    [InlineData("TEXT cpu_utilization=abc")]
    [InlineData("TEXT unknown=1")]
    [InlineData("JSON {not json")]
    [InlineData("JSON [1,2]")]
    [InlineData("cpu_utilization=0.5")]
    public void TryParse_Unusable_ReturnsFalse(string? header) =>
        OrcaLoadReportParser.TryParse(header, s_now, out _).Should().BeFalse();
}
