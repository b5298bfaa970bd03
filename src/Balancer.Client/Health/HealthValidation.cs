namespace Balancer.Client.Health;

/// <summary>
/// Checks <see cref="BalancerOptions.Health"/> and its parts (outlier detection, slow start, connection failures,
/// active checks); each problem goes to the caller's error sink (field, value, problem).
/// </summary>
internal static class HealthValidation
{
    public static void Validate(HealthOptions? options, FieldError error)
    {
        if (options is null)
        {
            error("Health", null, "is not set");
            return;
        }

        Share("Health.PanicThreshold", options.PanicThreshold, error);
        Time("Health.MaxCooldown", options.MaxCooldown, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), error);
        ValidateOutlierDetection(options.OutlierDetection, error);
        ValidateSlowStart(options.SlowStart, error);
        ValidateConnectionFailure(options.ConnectionFailure, error);
        ValidateActiveChecks(options.ActiveChecks, error);
    }

    private static void ValidateOutlierDetection(OutlierDetectionOptions? outlier, FieldError error)
    {
        if (outlier is null)
        {
            error("Health.OutlierDetection", null, "is not set");
            return;
        }

        if (outlier.ConsecutiveFailures < 0)
        {
            error("Health.OutlierDetection.ConsecutiveFailures", outlier.ConsecutiveFailures, "is negative; use 0 to disable this trigger");
        }

        Share("Health.OutlierDetection.FailureRateThreshold", outlier.FailureRateThreshold, error);
        Share("Health.OutlierDetection.MaxEjectionPercent", outlier.MaxEjectionPercent, error);
        if (outlier.MinimumRequestVolume < 1)
        {
            error("Health.OutlierDetection.MinimumRequestVolume", outlier.MinimumRequestVolume, "is out of range; it must be at least 1");
        }

        Time("Health.OutlierDetection.BaseEjectionTime", outlier.BaseEjectionTime, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), error);
        if (outlier.MaxEjectionTime < outlier.BaseEjectionTime)
        {
            error("Health.OutlierDetection.MaxEjectionTime", outlier.MaxEjectionTime, $"is shorter than BaseEjectionTime ({outlier.BaseEjectionTime})");
        }
    }

    private static void ValidateSlowStart(SlowStartOptions? slowStart, FieldError error)
    {
        if (slowStart is null)
        {
            error("Health.SlowStart", null, "is not set");
            return;
        }

        Time("Health.SlowStart.Window", slowStart.Window, TimeSpan.Zero, TimeSpan.FromHours(1), error);
        Share("Health.SlowStart.MinWeightPercent", slowStart.MinWeightPercent, error, allowZero: false);
    }

    private static void ValidateConnectionFailure(ConnectionFailureOptions? connection, FieldError error)
    {
        if (connection is null)
        {
            error("Health.ConnectionFailure", null, "is not set");
            return;
        }

        Time("Health.ConnectionFailure.InitialBackoff", connection.InitialBackoff, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1), error);
        Time("Health.ConnectionFailure.MaxBackoff", connection.MaxBackoff, connection.InitialBackoff, TimeSpan.FromHours(1), error);
        Time("Health.ConnectionFailure.ConnectTimeout", connection.ConnectTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5), error);
        Time("Health.ConnectionFailure.SlowStartWindow", connection.SlowStartWindow, TimeSpan.Zero, TimeSpan.FromHours(1), error);
        if (double.IsNaN(connection.BackoffMultiplier) || connection.BackoffMultiplier < 1 || connection.BackoffMultiplier > 10)
        {
            error("Health.ConnectionFailure.BackoffMultiplier", connection.BackoffMultiplier, "is out of range; allowed from 1 to 10");
        }

        Jitter("Health.ConnectionFailure.Jitter", connection.Jitter, error);
    }

    private static void ValidateActiveChecks(ActiveHealthCheckOptions? checks, FieldError error)
    {
        if (checks is null)
        {
            error("Health.ActiveChecks", null, "is not set");
            return;
        }

        if (string.IsNullOrWhiteSpace(checks.Path) || !checks.Path.StartsWith('/') || checks.Path.Contains("://", StringComparison.Ordinal))
        {
            error("Health.ActiveChecks.Path", checks.Path, "must be a path starting with '/', such as '/health'");
        }

        Time("Health.ActiveChecks.Interval", checks.Interval, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), error);
        Time("Health.ActiveChecks.Timeout", checks.Timeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5), error);
        Jitter("Health.ActiveChecks.Jitter", checks.Jitter, error);
        if (checks.HealthyThreshold < 1)
        {
            error("Health.ActiveChecks.HealthyThreshold", checks.HealthyThreshold, "must be at least 1");
        }

        if (checks.UnhealthyThreshold < 1)
        {
            error("Health.ActiveChecks.UnhealthyThreshold", checks.UnhealthyThreshold, "must be at least 1");
        }
    }

    /// <summary>A share from 0 (or, without <paramref name="allowZero"/>, above 0) to 1.</summary>
    private static void Share(string field, double value, FieldError error, bool allowZero = true)
    {
        if (double.IsNaN(value) || value < 0 || value > 1 || (!allowZero && value == 0))
        {
            error(field, value, allowZero ? "is out of range; allowed from 0 to 1" : "is out of range; allowed above 0 up to 1");
        }
    }

    private static void Time(string field, TimeSpan value, TimeSpan min, TimeSpan max, FieldError error)
    {
        if (value < min || value > max)
        {
            error(field, value, $"is out of range; allowed from {min} to {max}");
        }
    }

    private static void Jitter(string field, double value, FieldError error)
    {
        if (double.IsNaN(value) || value < 0 || value >= 1)
        {
            error(field, value, "is out of range; allowed from 0 up to (not including) 1");
        }
    }
}
