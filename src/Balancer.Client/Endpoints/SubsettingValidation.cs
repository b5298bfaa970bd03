using System.Globalization;

namespace Balancer.Client.Endpoints;

/// <summary>Checks <see cref="BalancerOptions.Subsetting"/>; each problem goes to the caller's error sink (field, value, problem).</summary>
internal static class SubsettingValidation
{
    /// <summary>Checks the subsetting options; <paramref name="hostName"/> is where <c>InstanceIdFromHostName</c> reads the id.</summary>
    public static void Validate(SubsettingOptions? options, string hostName, FieldError error)
    {
        if (options is null)
        {
            error("Subsetting", null, "is not set");
            return;
        }

        if (options.SubsetSize is < 0)
        {
            error("Subsetting.SubsetSize", options.SubsetSize, "is out of range; use at least 1, or 0 (or unset) to turn subsetting off");
        }

        if (!options.IsEnabled)
        {
            return;
        }

        var count = options.InstanceCount;
        if (count < 1)
        {
            error("Subsetting.InstanceCount", count, "is out of range; with subsetting on, set the number of client instances (at least 1)");
        }

        if (options.InstanceIdFromHostName)
        {
            if (options.InstanceId is not null)
            {
                error("Subsetting.InstanceId", options.InstanceId, "is set together with InstanceIdFromHostName; use one of them");
            }
            else if (options.ResolveInstanceId(hostName) is not { } ordinal)
            {
                error("Subsetting.InstanceIdFromHostName", hostName, "is a host name that does not end with '-' and a number (such as 'orders-3'); set InstanceId instead");
            }
            else if (count >= 1 && ordinal >= count)
            {
                error("Subsetting.InstanceIdFromHostName", hostName, string.Create(CultureInfo.InvariantCulture, $"gives instance id {ordinal}, out of range; allowed from 0 to {count - 1} (InstanceCount - 1)"));
            }
        }
        else if (options.InstanceId is not { } id)
        {
            error("Subsetting.InstanceId", null, "is not set; with subsetting on, give every client instance its own id from 0 to InstanceCount - 1 (or set InstanceIdFromHostName)");
        }
        else if (id < 0 || (count >= 1 && id >= count))
        {
            error("Subsetting.InstanceId", id, count >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"is out of range; allowed from 0 to {count - 1} (InstanceCount - 1)")
                : "is out of range; it must be 0 or more");
        }
    }
}
