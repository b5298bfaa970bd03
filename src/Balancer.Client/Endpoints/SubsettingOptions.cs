using System.Globalization;

namespace Balancer.Client.Endpoints;

/// <summary>
/// Deterministic subsetting: each client instance uses a stable subset of about <see cref="SubsetSize"/> of the
/// service's endpoints, chosen so that every endpoint gets about the same number of client instances, and so that a
/// change of the endpoint set changes the subsets of few instances. Every instance computes its own subset from the
/// endpoint addresses, its <see cref="InstanceId"/> and the <see cref="InstanceCount"/>; nothing is coordinated at run time.
/// </summary>
/// <remarks>See <c>docs/subsetting.md</c> for the algorithm, the subset sizes it gives and when subsets reshuffle.</remarks>
public sealed class SubsettingOptions
{
    /// <summary>
    /// Gets or sets the number of endpoints each client instance should use. <see langword="null"/> or 0 turns
    /// subsetting off (every instance uses every endpoint).
    /// </summary>
    /// <value>The default value is <see langword="null"/> (off).</value>
    /// <remarks>
    /// Sizes vary around this number (by about its square root) and are never below a quarter of it (at least 2 when it
    /// is 2 or more). An instance uses every endpoint when the service has fewer than one and a half times this number.
    /// </remarks>
    public int? SubsetSize { get; set; }

    /// <summary>
    /// Gets or sets this client instance's id, from 0 to <see cref="InstanceCount"/> − 1, unique among the instances.
    /// Required when subsetting is on, unless <see cref="InstanceIdFromHostName"/> is set.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    /// <remarks>
    /// Set it from the environment through configuration, for example the variable
    /// <c>Balancer__Clients__{name}__Subsetting__InstanceId</c> filled from a pod's index.
    /// </remarks>
    public int? InstanceId { get; set; }

    /// <summary>Gets or sets the number of client instances that share the service. Required when subsetting is on.</summary>
    /// <value>The default value is 0 (not set).</value>
    /// <remarks>
    /// Instances with the same endpoints but a different count choose the same subsets, except while the count is
    /// below the number of endpoints divided by <see cref="SubsetSize"/>: then every instance takes a larger subset,
    /// so that no endpoint is left without clients.
    /// </remarks>
    public int InstanceCount { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the instance id is the number at the end of the host name after the
    /// last <c>-</c>, as in a Kubernetes StatefulSet pod (<c>orders-worker-3</c> is instance 3).
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool InstanceIdFromHostName { get; set; }

    /// <summary>Gets a value indicating whether subsetting is on.</summary>
    internal bool IsEnabled => SubsetSize is > 0;

    /// <summary>Returns the instance id, from <see cref="InstanceId"/> or the ordinal at the end of <paramref name="hostName"/>.</summary>
    internal int? ResolveInstanceId(string hostName) =>
        InstanceIdFromHostName ? ParseHostNameOrdinal(hostName) : InstanceId;

    /// <summary>Returns the number after the last <c>-</c> of the host name's first label, or <see langword="null"/>.</summary>
    internal static int? ParseHostNameOrdinal(string? hostName)
    {
        if (string.IsNullOrWhiteSpace(hostName))
        {
            return null;
        }

        var label = hostName.Trim();
        var dot = label.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            label = label[..dot];
        }

        var dash = label.LastIndexOf('-');
        var digits = label[(dash + 1)..];
        return dash > 0 && digits.Length is > 0 and <= 9 && digits.All(char.IsAsciiDigit)
            ? int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture)
            : null;
    }
}
