namespace Balancer.Client.Lab;

/// <summary>What a contender gets to build its clients for one run.</summary>
internal sealed record ContenderContext(LabPlan Plan, LabBackends Backends, int Seed);

/// <summary>The HTTP clients of one contender for one run (one per independent client instance of the scenario), and what to dispose after it.</summary>
internal sealed class ContenderClients(IReadOnlyList<HttpClient> clients, Func<ValueTask>? dispose = null) : IAsyncDisposable
{
    /// <summary>The path every request asks for, relative to the clients' base address.</summary>
    public static readonly Uri RequestUri = new("work", UriKind.Relative);

    public IReadOnlyList<HttpClient> Clients => clients;

    public async ValueTask DisposeAsync()
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }

        if (dispose is not null)
        {
            await dispose().ConfigureAwait(false);
        }
    }
}

/// <summary>One way of spreading the requests that the lab compares with the others.</summary>
internal abstract class LabContender
{
    /// <summary>Gets the name shown in tables, charts and <c>--contenders</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Gets why the contender cannot run on this machine, or <see langword="null"/> when it can.</summary>
    public virtual string? UnavailableReason => null;

    /// <summary>Gets whether the backends of the contender's runs report their load (<c>app.UseBalancerLoadReports()</c>: a header on every response and a probe path).</summary>
    public virtual bool NeedsLoadReports => false;

    /// <summary>Gets a one-line description for the reports.</summary>
    public abstract string Description { get; }

    /// <summary>Builds the contender's clients for one run against freshly started backends.</summary>
    public abstract Task<ContenderClients> CreateAsync(ContenderContext context);

    public override string ToString() => Name;
}
