namespace Balancer.Client.Lab;

/// <summary>The round robin a team writes in twenty lines: next endpoint in turn, rewrite the URI, send, restore.</summary>
internal sealed class NaiveRoundRobinHandler(IReadOnlyList<Uri> endpoints) : DelegatingHandler
{
    private int _next = -1;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var logical = request.RequestUri!;
        var index = (int)((uint)Interlocked.Increment(ref _next) % (uint)endpoints.Count);
        request.RequestUri = new Uri(endpoints[index], logical.PathAndQuery);
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            request.RequestUri = logical;
        }
    }
}

/// <summary>A plain <see cref="HttpClient"/> over <see cref="NaiveRoundRobinHandler"/>.</summary>
internal sealed class NaiveRoundRobinContender : LabContender
{
    public const string ContenderName = "NaiveRoundRobin";

    public override string Name => ContenderName;

    public override string Description => "a 20-line round-robin DelegatingHandler over SocketsHttpHandler";

    public override Task<ContenderClients> CreateAsync(ContenderContext context)
    {
        var endpoints = context.Backends.Backends.Select(b => b.Address).ToArray();
        var clients = Enumerable.Range(0, context.Plan.Clients)
            .Select(_ => new HttpClient(new NaiveRoundRobinHandler(endpoints) { InnerHandler = new SocketsHttpHandler() })
            {
                BaseAddress = new Uri("http://catalog/"),
                Timeout = context.Plan.Timeout,
            })
            .ToArray();
        return Task.FromResult(new ContenderClients(clients));
    }
}
