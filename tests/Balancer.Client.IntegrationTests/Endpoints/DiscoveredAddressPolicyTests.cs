using Balancer.Client.Endpoints;
using Microsoft.Extensions.Logging.Testing;

namespace Balancer.Client.IntegrationTests.Endpoints;

/// <summary>What a client accepts from its endpoint sources: EndpointSources.AllowedHosts and AllowedSchemes.</summary>
public sealed class DiscoveredAddressPolicyTests
{
    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AllowedHosts_HostOutsideTheList_LeftOutAndLogged()
    {
        await using var cluster = await BackendCluster.StartAsync(2);
        var source = new CapturingSource();
        await using var provider = Build("hosts", o => o.EndpointSources.AllowedHosts = ["10.0.0.0/8", "127.0.0.0/8"], source);
        var client = provider.CreateClient("hosts");
        var first = client.GetBackendAsync("/");
        var publisher = await source.Publisher.WaitAsync(s_waitLimit);

        // cluster[1] under a host name: reachable, but not in the list (ranges match addresses, names are never resolved).
        var accepted = publisher.Publish([Endpoint(cluster[0].Address.ToString()), Endpoint($"http://localhost:{cluster[1].Port}/")]);
        await first.WaitAsync(s_waitLimit);
        for (var i = 0; i < 20; i++)
        {
            await client.GetBackendAsync("/");
        }

        accepted.Should().Be(1);
        cluster[0].RequestsReceived.Should().Be(21);
        cluster[1].RequestsReceived.Should().Be(0);
        publisher.CheckAddress($"http://localhost:{cluster[1].Port}/").Should().Be("has host 'localhost', which matches none of EndpointSources.AllowedHosts");
        publisher.CheckAddress("http://10.1.2.3:80/").Should().BeNull();
        Logged(provider).Should().Contain(m => m.Contains("'hosts'", StringComparison.Ordinal) && m.Contains($"address 'http://localhost:{cluster[1].Port}/' has host 'localhost', which matches none of EndpointSources.AllowedHosts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AllowedHosts_WildcardAndName_MatchSubdomainsAndTheName()
    {
        var source = new CapturingSource();
        await using var provider = Build("names", o => o.EndpointSources.AllowedHosts = ["*.svc.cluster.local", "catalog.internal"], source);
        _ = provider.CreateClient("names").GetAsync("/");
        var publisher = await source.Publisher.WaitAsync(s_waitLimit);

        publisher.CheckAddress("http://catalog-0.catalog.svc.cluster.local:8080/").Should().BeNull();
        publisher.CheckAddress("http://CATALOG.internal:8080/").Should().BeNull();
        publisher.CheckAddress("http://svc.cluster.local:8080/").Should().Contain("matches none of EndpointSources.AllowedHosts");
        publisher.CheckAddress("http://evilsvc.cluster.local:8080/").Should().Contain("matches none");
        publisher.CheckAddress("http://catalog.internal.evil.example:8080/").Should().Contain("matches none");
        publisher.CheckAddress("http://127.0.0.1:8080/").Should().Contain("matches none");
    }

    [Fact]
    public async Task HttpsClient_HttpFromSource_NeverDowngraded()
    {
        await using var cluster = await BackendCluster.StartAsync(1);
        var source = new CapturingSource();
        var closed = ClosedPort.Get();
        await using var provider = Build("tls", o => o.AddEndpoint($"https://127.0.0.1:{closed}/"), source);
        _ = provider.CreateClient("tls").GetAsync("/");
        var publisher = await source.Publisher.WaitAsync(s_waitLimit);

        var accepted = publisher.Publish([Endpoint(cluster[0].Address.ToString()), Endpoint($"https://127.0.0.1:{closed + 1}/")]);

        accepted.Should().Be(1, "only the https address is accepted");
        publisher.CheckAddress(cluster[0].Address.ToString()).Should().Contain("is http, but the client's configured endpoints are all https");
        Logged(provider).Should().Contain(m => m.Contains($"address '{cluster[0].Address}' is http, but the client's configured endpoints are all https", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AllowedSchemes_HttpOnly_RefusesHttps_AndHttpsOnly_RefusesHttp()
    {
        var httpOnly = new CapturingSource();
        var httpsOnly = new CapturingSource();
        await using var first = Build("plain", o => o.EndpointSources.AllowedSchemes = ["http"], httpOnly);
        await using var second = Build("secure", o => o.EndpointSources.AllowedSchemes = ["HTTPS"], httpsOnly);
        _ = first.CreateClient("plain").GetAsync("/");
        _ = second.CreateClient("secure").GetAsync("/");

        (await httpOnly.Publisher.WaitAsync(s_waitLimit)).CheckAddress("https://127.0.0.1:1/").Should().Be("has scheme 'https', which EndpointSources.AllowedSchemes does not list");
        (await httpOnly.Publisher.WaitAsync(s_waitLimit)).CheckAddress("http://127.0.0.1:1/").Should().BeNull();
        (await httpsOnly.Publisher.WaitAsync(s_waitLimit)).CheckAddress("http://127.0.0.1:1/").Should().Be("is http, but EndpointSources.AllowedSchemes allows https only");
    }

    [Fact]
    public async Task NoRules_MixedSchemesAndAnyHost_Accepted()
    {
        var source = new CapturingSource();
        await using var provider = Build("open", o => o.AddEndpoint("http://127.0.0.1:1/"), source);
        _ = provider.CreateClient("open").GetAsync("/");
        var publisher = await source.Publisher.WaitAsync(s_waitLimit);

        publisher.CheckAddress("https://localhost:1/").Should().BeNull();
        publisher.CheckAddress("http://[::1]:1/").Should().BeNull();
        publisher.CheckAddress("ftp://127.0.0.1:1/").Should().Contain("has scheme 'ftp'");
    }

    private static ServiceProvider Build(string name, Action<BalancerOptions> configure, CapturingSource source) =>
        TestServices.Build(name, configure, b => b.AddEndpointSource(_ => source), s => s.AddFakeLogging());

    private static BalancerEndpointOptions Endpoint(string address) => new() { Address = address };

    private static List<string> Logged(IServiceProvider provider) =>
        [.. provider.GetFakeLogCollector().GetSnapshot().Where(r => r.Category == "Balancer.Client").Select(r => r.Message)];

    private sealed class CapturingSource : IEndpointSource
    {
        private readonly TaskCompletionSource<IEndpointPublisher> _publisher = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IEndpointPublisher> Publisher => _publisher.Task;

        public async Task RunAsync(IEndpointPublisher publisher, CancellationToken cancellationToken)
        {
            _publisher.TrySetResult(publisher);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}
