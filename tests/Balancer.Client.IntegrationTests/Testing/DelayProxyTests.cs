using System.Diagnostics;
using System.Net;

namespace Balancer.Client.IntegrationTests.Testing;

public sealed class DelayProxyTests
{
    [Fact]
    public async Task Get_ThroughProxy_ReachesTheBackendAndAddsTheDelayBothWays()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "behind" });
        await using var proxy = DelayProxy.Start(backend, TimeSpan.FromMilliseconds(25));
        using var http = new HttpClient();

        // The first request pays for the emulated handshake too; the second, on the warm connection, one round trip.
        var first = await TimeGetAsync(http, proxy.Address);
        var second = await TimeGetAsync(http, proxy.Address);

        first.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(99), "handshake (50 ms) + request (50 ms)");
        second.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(49));
        backend.RequestsReceived.Should().Be(2);
        proxy.ConnectionsAccepted.Should().Be(1, "the connection is reused");
        proxy.Address.Should().Be(new Uri($"http://127.0.0.1:{proxy.Port}/"));
        proxy.RoundTripDelay.Should().Be(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Delay_ChangedWhileRunning_AppliesToTheNextBytes()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "changing" });
        await using var proxy = DelayProxy.Start(backend, TimeSpan.Zero);
        using var http = new HttpClient();
        await TimeGetAsync(http, proxy.Address);

        proxy.UpstreamDelay = TimeSpan.FromMilliseconds(40);
        var slowed = await TimeGetAsync(http, proxy.Address);
        proxy.SetDelay(TimeSpan.Zero);
        var fastest = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var elapsed = await TimeGetAsync(http, proxy.Address);
            fastest = elapsed < fastest ? elapsed : fastest;
        }

        slowed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(39));
        fastest.Should().BeLessThan(TimeSpan.FromMilliseconds(30));
    }

    [Fact]
    public async Task Get_BackendStopped_ConnectionIsReset()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "gone" });
        await using var proxy = DelayProxy.Start(backend, TimeSpan.Zero);
        await backend.StopAsync();
        using var http = new HttpClient();

        var get = () => http.GetAsync(proxy.Address);

        await get.Should().ThrowAsync<HttpRequestException>();
        proxy.ConnectionsAccepted.Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task DisposeAsync_ClosesOpenConnections()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "open" });
        var proxy = DelayProxy.Start(backend, TimeSpan.Zero);
        using var http = new HttpClient();
        (await http.GetAsync(proxy.Address)).StatusCode.Should().Be(HttpStatusCode.OK);
        proxy.OpenConnections.Should().Be(1, "the client keeps its connection alive");

        await proxy.DisposeAsync();

        proxy.OpenConnections.Should().Be(0);
        var get = () => http.GetAsync(proxy.Address);
        await get.Should().ThrowAsync<HttpRequestException>();
    }

    private static async Task<TimeSpan> TimeGetAsync(HttpClient http, Uri address)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(address);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return Stopwatch.GetElapsedTime(started);
    }
}
