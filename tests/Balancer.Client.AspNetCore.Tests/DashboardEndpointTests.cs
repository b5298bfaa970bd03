using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Balancer.Client.Selection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Balancer.Client.AspNetCore.Tests;

/// <summary>The dashboard's page and JSON over plain HTTP, against real backends and a real balanced client.</summary>
public sealed class DashboardEndpointTests
{
    [Fact]
    public async Task Page_IsOneSelfContainedHtmlDocument_WithAStrictPolicy()
    {
        await using var app = await DashboardApp.StartAsync(s => s.AddBalancedHttpClient("catalog", o => o.AddEndpoint(ClosedPort.Address())));

        using var response = await app.Http.GetAsync("/balancer");
        var html = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("default-src 'none'").And.Contain("connect-src 'self'");
        html.Should().StartWith("<!DOCTYPE html>").And.Contain("<style>").And.Contain("<script>").And.Contain("/api/snapshot");
        html.Should().NotContainAny(["src=\"http", "href=\"http", "@import", "url(http", "<link", "<script src"], "the page loads nothing from elsewhere");
        (await app.Http.GetAsync("/balancer/")).StatusCode.Should().Be(HttpStatusCode.OK, "a trailing slash is accepted");
    }

    [Fact]
    public async Task Snapshot_ClientNotUsedYet_IsEmpty()
    {
        await using var app = await DashboardApp.StartAsync(s => s.AddBalancedHttpClient("catalog", o => o.AddEndpoint(ClosedPort.Address())));

        using var json = await GetJsonAsync(app, "/balancer/api/snapshot");

        json.RootElement.GetProperty("clients").GetArrayLength().Should().Be(0);
        (await app.Http.GetAsync("/balancer/api/snapshot/catalog")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Snapshot_AfterTraffic_ReportsEveryEndpointWithItsShareTotalsAndLatency()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        await using var app = await DashboardApp.StartAsync(s => s.AddBalancedHttpClient("catalog", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoint(cluster[0].Address.ToString(), weight: 2, zone: "eu-1a");
            o.AddEndpoint(cluster[1].Address.ToString());
            o.AddEndpoint(cluster[2].Address.ToString());
        }));

        (await Traffic.SendAsync(app.CreateClient("catalog"), 80)).Should().Be(0);
        using var response = await app.Http.GetAsync("/balancer/api/snapshot");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        var client = json.RootElement.GetProperty("clients").EnumerateArray().Single();
        client.GetProperty("name").GetString().Should().Be("catalog");
        client.GetProperty("selector").GetString().Should().Be("RoundRobin");
        client.GetProperty("transport").GetString().Should().Be("HTTP");
        client.GetProperty("endpointSetVersion").GetInt64().Should().Be(1);
        client.GetProperty("panic").GetBoolean().Should().BeFalse();
        var endpoints = client.GetProperty("endpoints").EnumerateArray().ToArray();
        endpoints.Select(e => e.GetProperty("address").GetString()).Should().Equal(cluster.Select(b => b.Address.AbsoluteUri));
        endpoints.Select(e => e.GetProperty("totalRequests").GetInt64()).Should().Equal([40, 20, 20], "round robin follows the weights 2:1:1 exactly");
        endpoints.Select(e => e.GetProperty("share").GetDouble()).Should().Equal([0.5, 0.25, 0.25], (a, b) => Math.Abs(a - b) < 0.03);
        endpoints[0].GetProperty("weight").GetInt32().Should().Be(2);
        endpoints[0].GetProperty("zone").GetString().Should().Be("eu-1a");
        endpoints.Should().OnlyContain(e => e.GetProperty("health").GetString() == "healthy");
        endpoints.Should().OnlyContain(e => e.GetProperty("latencyMs").GetDouble() > 0 && e.GetProperty("inFlight").GetInt32() == 0);
        // The p95 is reported once there were successes; it is not compared with the latency, a peak EWMA that one
        // cold first request (a JIT, a connection set up on a slow machine) can hold far above the recent p95.
        endpoints.Should().OnlyContain(e => e.GetProperty("p95Ms").GetDouble() > 0);
        cluster.Select(b => b.RequestsReceived).Should().Equal(40, 20, 20);
    }

    [Fact]
    public async Task Snapshot_OneClientByName_OrNotFound()
    {
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        await using var app = await DashboardApp.StartAsync(s =>
        {
            s.AddBalancedHttpClient("catalog", o => o.AddEndpoints(cluster));
            s.AddBalancedHttpClient("orders", o =>
            {
                o.Selector = EndpointSelectorNames.PeakEwma;
                o.AddEndpoints(cluster);
            });
        });
        app.CreateClient("catalog");
        app.CreateClient("orders");

        using var one = await GetJsonAsync(app, "/balancer/api/snapshot/orders");
        using var all = await GetJsonAsync(app, "/balancer/api/snapshot");

        one.RootElement.GetProperty("name").GetString().Should().Be("orders");
        one.RootElement.GetProperty("selector").GetString().Should().Be("PeakEwma");
        one.RootElement.GetProperty("scoreDescription").GetString().Should().Contain("cost");
        one.RootElement.GetProperty("endpoints").EnumerateArray().Should().OnlyContain(e => e.GetProperty("score").GetDouble() > 0);
        all.RootElement.GetProperty("clients").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Should().Equal("catalog", "orders");
        (await app.Http.GetAsync("/balancer/api/snapshot/nothing")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Snapshot_RefusingEndpoint_ShownEjectedWithItsEnd()
    {
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var refusing = ClosedPort.Address();
        await using var app = await DashboardApp.StartAsync(s => s.AddBalancedHttpClient("catalog", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoints(cluster).AddEndpoint(refusing);
            o.Health.ConnectionFailure.Enabled = false; // outlier detection alone: with it on, the first refusal takes it out
        }));

        // Round robin reaches the refusing endpoint every third request: five refused connections in a row eject it.
        await Traffic.SendAsync(app.CreateClient("catalog"), 30, concurrency: 1);
        using var json = await GetJsonAsync(app, "/balancer/api/snapshot/catalog");

        var timestamp = json.RootElement.GetProperty("timestamp").GetDateTimeOffset();
        var endpoint = json.RootElement.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("address").GetString() == refusing);
        endpoint.GetProperty("health").GetString().Should().Be("ejected");
        endpoint.GetProperty("ejectionCount").GetInt32().Should().Be(1);
        endpoint.GetProperty("ejectedUntil").GetDateTimeOffset().Should().BeAfter(timestamp).And.BeOnOrBefore(timestamp + TimeSpan.FromSeconds(30));
        endpoint.GetProperty("totalFailures").GetInt64().Should().Be(5);
        endpoint.GetProperty("consecutiveFailures").GetInt32().Should().Be(5);
        endpoint.GetProperty("failureRate").GetDouble().Should().Be(1);
    }

    [Fact]
    public async Task Snapshot_RefusingEndpoint_ShownUnreachableAfterItsFirstRefusal()
    {
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var refusing = ClosedPort.Address();
        await using var app = await DashboardApp.StartAsync(s => s.AddBalancedHttpClient("catalog", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoints(cluster).AddEndpoint(refusing);
        }));

        await Traffic.SendAsync(app.CreateClient("catalog"), 30, concurrency: 1);
        using var json = await GetJsonAsync(app, "/balancer/api/snapshot/catalog");

        var endpoint = json.RootElement.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("address").GetString() == refusing);
        endpoint.GetProperty("health").GetString().Should().Be("unreachable");
        endpoint.GetProperty("totalFailures").GetInt64().Should().Be(1, "one refused connection takes it out until a reconnect check connects");
    }

    [Fact]
    public async Task Snapshot_RequestsHeldByABackend_ShownInFlight()
    {
        await using var cluster = await BackendCluster.StartAsync(2, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.BlackHole = i == 1;
        });
        await using var app = await DashboardApp.StartAsync(s => s.AddBalancedHttpClient("catalog", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoints(cluster);
        }));
        var client = app.CreateClient("catalog");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var held = Enumerable.Range(0, 6).Select(_ => Hold(client, cancel.Token)).ToArray();
        await cluster[1].WaitForRequestsAsync(3, cancel.Token);
        // The three requests of the answering backend end on their own; on a busy machine they may still be finishing.
        var json = await GetJsonAsync(app, "/balancer/api/snapshot/catalog");
        while (json.RootElement.GetProperty("endpoints")[0].GetProperty("inFlight").GetInt32() != 0 && !cancel.IsCancellationRequested)
        {
            json.Dispose();
            await Task.Delay(10, CancellationToken.None);
            json = await GetJsonAsync(app, "/balancer/api/snapshot/catalog");
        }

        using var _ = json;
        await cancel.CancelAsync();
        await Task.WhenAll(held);

        json.RootElement.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("inFlight").GetInt32()).Should().Equal(0, 3);
        using var after = await GetJsonAsync(app, "/balancer/api/snapshot/catalog");
        after.RootElement.GetProperty("endpoints")[1].GetProperty("inFlight").GetInt32().Should().Be(0, "cancelled attempts leave the count");

        static async Task Hold(HttpClient client, CancellationToken cancellationToken)
        {
            try
            {
                using var _ = await client.GetAsync("/held", cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    [Fact]
    public async Task MapBalancerDashboard_CustomPrefix_ServesPageAndApiUnderIt()
    {
        await using var app = await DashboardApp.StartAsync(
            s => s.AddBalancedHttpClient("catalog", o => o.AddEndpoint(ClosedPort.Address())),
            a => a.MapBalancerDashboard("/ops/lb"));

        (await app.Http.GetAsync("/ops/lb")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await app.Http.GetAsync("/ops/lb/api/snapshot")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await app.Http.GetAsync("/balancer")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task MapBalancerDashboard_RequireAuthorization_ProtectsPageAndApi()
    {
        await using var app = await DashboardApp.StartAsync(
            s =>
            {
                s.AddBalancedHttpClient("catalog", o => o.AddEndpoint(ClosedPort.Address()));
                s.AddAuthentication(HeaderAuthenticationHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
                s.AddAuthorization();
            },
            a =>
            {
                a.UseAuthentication();
                a.UseAuthorization();
                a.MapBalancerDashboard().RequireAuthorization();
            });
        app.CreateClient("catalog");

        foreach (var path in new[] { "/balancer", "/balancer/api/snapshot", "/balancer/api/snapshot/catalog" })
        {
            (await app.Http.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.Unauthorized, path);
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add(HeaderAuthenticationHandler.Header, "ops");
            (await app.Http.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.OK, path);
        }
    }

    [Fact]
    public async Task MapBalancerDashboard_NoBalancedClient_ThrowsAClearError()
    {
        var start = () => DashboardApp.StartAsync(_ => { });

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*AddBalancedHttpClient*");
    }

    private static async Task<JsonDocument> GetJsonAsync(DashboardApp app, string path)
    {
        using var response = await app.Http.GetAsync(path);
        response.StatusCode.Should().Be(HttpStatusCode.OK, path);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
