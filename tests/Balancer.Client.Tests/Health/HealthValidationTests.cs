using Balancer.Client.Health;

namespace Balancer.Client.Tests.Health;

public class HealthValidationTests
{
    [Fact]
    public void Validate_Defaults_ReportNothing()
    {
        Validate(new HealthOptions()).Should().BeEmpty();
    }

    [Fact]
    public void Validate_BadOutlierDetectionValue_ReportsThatFieldAndValueOnly()
    {
        var options = new HealthOptions();
        options.OutlierDetection.FailureRateThreshold = 1.5;

        Validate(options).Should().Equal(("Health.OutlierDetection.FailureRateThreshold", 1.5, "is out of range; allowed from 0 to 1"));
    }

    [Fact]
    public void Validate_MaxEjectionTimeBelowBase_NamesTheBase()
    {
        var options = new HealthOptions();
        options.OutlierDetection.BaseEjectionTime = TimeSpan.FromSeconds(30);
        options.OutlierDetection.MaxEjectionTime = TimeSpan.FromSeconds(10);

        Validate(options).Should().Equal(("Health.OutlierDetection.MaxEjectionTime", TimeSpan.FromSeconds(10), "is shorter than BaseEjectionTime (00:00:30)"));
    }

    [Fact]
    public void Validate_MissingParts_AreNamedInOrder()
    {
        var options = new HealthOptions { OutlierDetection = null!, SlowStart = null!, ConnectionFailure = null!, ActiveChecks = null! };

        Validate(options).Select(e => e.Field).Should().Equal("Health.OutlierDetection", "Health.SlowStart", "Health.ConnectionFailure", "Health.ActiveChecks");
    }

    [Fact]
    public void Validate_NoHealthOptions_IsOneError()
    {
        Validate(null).Should().Equal(("Health", null, "is not set"));
    }

    private static List<(string Field, object? Value, string Problem)> Validate(HealthOptions? options)
    {
        var errors = new List<(string Field, object? Value, string Problem)>();
        HealthValidation.Validate(options, (field, value, problem) => errors.Add((field, value, problem)));
        return errors;
    }
}
