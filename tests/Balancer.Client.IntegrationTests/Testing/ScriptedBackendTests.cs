using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;

namespace Balancer.Client.IntegrationTests.Testing;

public sealed class ScriptedBackendTests
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(20) };

    [Fact]
    public async Task Get_DefaultBehavior_AnswersWithNameAndHeaders()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "plain" });

        using var response = await s_http.GetAsync(new Uri(backend.Address, "/hello?q=1"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("plain");
        response.BackendName().Should().Be("plain");
        response.Headers.GetValues(BackendHeaders.ReceivedHost).Single().Should().Be($"127.0.0.1:{backend.Port}");
        backend.Address.Should().Be(new Uri($"http://127.0.0.1:{backend.Port}/"));
        backend.Received.Should().Equal(new ReceivedRequest("GET", "/hello?q=1", $"127.0.0.1:{backend.Port}", 0, null));
        (backend.RequestsReceived, backend.RequestsServed, backend.QueueLength).Should().Be((1L, 1L, 0));
    }

    [Fact]
    public async Task Post_Body_EchoedWithItsSha256()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "echo" });
        var body = RandomNumberGenerator.GetBytes(10_000);

        using var content = new ByteArrayContent(body);
        using var response = await s_http.PostAsync(backend.Address, content);

        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(body);
        response.Headers.GetValues(BackendHeaders.BodySha256).Single().Should().Be(Convert.ToHexStringLower(SHA256.HashData(body)));
    }

    [Fact]
    public async Task StopAsync_ThenRestartAsync_RefusesConnectionsThenServesOnTheSamePort()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "restarts" });
        var port = backend.Port;
        (await Load.TryGetAsync(s_http, backend.Address.ToString())).Should().BeTrue();

        await backend.StopAsync();
        backend.IsRunning.Should().BeFalse();
        var refused = () => s_http.GetAsync(backend.Address);
        (await refused.Should().ThrowAsync<HttpRequestException>()).Which.HttpRequestError.Should().Be(HttpRequestError.ConnectionError);

        await backend.RestartAsync();
        backend.IsRunning.Should().BeTrue();
        backend.Port.Should().Be(port);
        (await Load.TryGetAsync(s_http, backend.Address.ToString())).Should().BeTrue();
        backend.RequestsReceived.Should().Be(2, "counters survive a restart");
    }

    [Fact]
    public async Task RestartAsync_PortTakenMeanwhile_ThrowsIOExceptionAndStaysStopped()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "displaced" });
        await backend.StopAsync();
        var squatter = new System.Net.Sockets.TcpListener(IPAddress.Loopback, backend.Port);
        squatter.Start();
        try
        {
            var act = () => backend.RestartAsync();

            await act.Should().ThrowAsync<IOException>();
            backend.IsRunning.Should().BeFalse();
        }
        finally
        {
            squatter.Stop();
        }

        await backend.RestartAsync();
        backend.IsRunning.Should().BeTrue();
    }

    [Fact]
    public async Task FailureRate_One_AnswersEveryRequestAtOnceWith503()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions
        {
            Name = "failing",
            Behavior = { FailureRate = 1, MeanServiceTime = TimeSpan.FromSeconds(30), Capacity = 1 },
        });

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => s_http.GetAsync(backend.Address)));

        responses.Should().OnlyContain(r => r.StatusCode == HttpStatusCode.ServiceUnavailable && r.BackendName() == "failing");
        (backend.RequestsReceived, backend.RequestsServed).Should().Be((5L, 0L));
    }

    [Fact]
    public async Task ResetRate_One_ClientSeesTransportError()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "resets", Behavior = { ResetRate = 1 } });

        var act = () => s_http.GetAsync(backend.Address);

        await act.Should().ThrowAsync<HttpRequestException>();
        backend.RequestsReceived.Should().Be(1);
        backend.RequestsServed.Should().Be(0);
    }

    [Fact]
    public async Task BlackHole_RequestHeldUntilClientGivesUpThenReleased()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "hole", Behavior = { BlackHole = true } });
        using var cancellation = new CancellationTokenSource();

        var send = s_http.GetAsync(backend.Address, cancellation.Token);
        await backend.WaitForRequestsAsync(1).WaitAsync(TimeSpan.FromSeconds(10));
        backend.QueueLength.Should().Be(1);
        await cancellation.CancelAsync();

        await send.Invoking(s => s).Should().ThrowAsync<OperationCanceledException>();
        backend.RequestsServed.Should().Be(0);
    }

    [Fact]
    public async Task Capacity_One_ServesRequestsOneAfterAnother()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions
        {
            Name = "narrow",
            Behavior = { Capacity = 1, Distribution = ServiceTimeDistribution.Constant, MeanServiceTime = TimeSpan.FromMilliseconds(40) },
        });
        var peakInService = 0;
        var stopwatch = Stopwatch.StartNew();

        var sends = Enumerable.Range(0, 5).Select(_ => s_http.GetAsync(backend.Address)).ToArray();
        while (!sends.All(s => s.IsCompleted) && stopwatch.Elapsed < TimeSpan.FromSeconds(10))
        {
            peakInService = Math.Max(peakInService, backend.InService);
            await Task.Yield();
        }

        (await Task.WhenAll(sends)).Should().OnlyContain(r => r.IsSuccessStatusCode);
        stopwatch.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(150), "five 40 ms requests through one slot take at least 200 ms");
        peakInService.Should().Be(1);
    }

    [Fact]
    public async Task StallWindow_FakeClock_ArrivalsInsideWaitForItsEndAndOthersPass()
    {
        var clock = new FakeTimeProvider();
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions
        {
            Name = "stalls",
            TimeProvider = clock,
            Behavior = { MeanServiceTime = TimeSpan.Zero, StallEvery = TimeSpan.FromSeconds(1), StallDuration = TimeSpan.FromMilliseconds(200) },
        });

        (await Load.TryGetAsync(s_http, backend.Address.ToString())).Should().BeTrue("no stall before the first period");
        clock.Advance(TimeSpan.FromMilliseconds(1050));
        var stalled = s_http.GetAsync(backend.Address);
        await backend.WaitForRequestsAsync(2).WaitAsync(TimeSpan.FromSeconds(10));
        (await Task.WhenAny(stalled, Task.Delay(200))).Should().NotBeSameAs(stalled, "the window is open until 1.2 s on the backend's clock");

        clock.Advance(TimeSpan.FromMilliseconds(150));
        (await stalled.WaitAsync(TimeSpan.FromSeconds(10))).IsSuccessStatusCode.Should().BeTrue();
        (await Load.TryGetAsync(s_http, backend.Address.ToString())).Should().BeTrue("1.2 s is past the window");
    }

    [Fact]
    public async Task ResetCounters_AfterTraffic_ZeroesCountsAndLog()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "counted", Behavior = { MeanServiceTime = TimeSpan.Zero } });
        (await Load.GetAsync(s_http, backend.Address.ToString(), 10, concurrency: 2)).Should().Be(0);
        backend.RequestsReceived.Should().Be(10);

        backend.ResetCounters();

        (backend.RequestsReceived, backend.RequestsServed, backend.Received.Count).Should().Be((0L, 0L, 0));
    }

    [Fact]
    public void Behavior_OutOfRangeValues_Rejected()
    {
        var behavior = new BackendBehavior();

        behavior.Invoking(b => b.FailureRate = 1.5).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("FailureRate");
        behavior.Invoking(b => b.Capacity = 0).Should().Throw<ArgumentOutOfRangeException>();
        behavior.Invoking(b => b.MeanServiceTime = TimeSpan.FromMilliseconds(-1)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("MeanServiceTime");
        behavior.Should().BeEquivalentTo(new { MeanServiceTime = TimeSpan.FromMilliseconds(5), Distribution = ServiceTimeDistribution.Exponential, SlowdownFactor = 1.0, Capacity = 1000, BlackHole = false });
    }
}
