using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Balancer.Client.Selection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Balancer.Client.AspNetCore.Tests;

/// <summary>Who may see the dashboard outside Development, and what it shows when addresses are redacted.</summary>
public sealed class DashboardAccessTests
{
    private const string Production = "Production";

    [Fact]
    public async Task Production_NoAccessRule_StopsAtStartSayingWhy()
    {
        var logs = new LogRecorder();
        await using var app = await DashboardApp.StartAsync(
            s =>
            {
                s.AddBalancedHttpClient("catalog", o => o.AddEndpoint(ClosedPort.Address()));
                s.AddSingleton<ILoggerProvider>(logs);
            },
            a => a.MapBalancerDashboard(),
            Production);

        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested.Should().BeTrue("the application stops at start");
        logs.Messages.Should().ContainSingle(m => m.Level == LogLevel.Critical).Which.Text.Should()
            .Contain("MapBalancerDashboard(\"/balancer\") in environment 'Production' has no access rule")
            .And.Contain(".RequireAuthorization(").And.Contain(".AllowAnonymous()").And.Contain("The application stops.");
    }

    [Fact]
    public async Task Development_NoAccessRule_Serves()
    {
        await using var app = await DashboardApp.StartAsync(s => s.AddBalancedHttpClient("catalog", o => o.AddEndpoint(ClosedPort.Address())), a => a.MapBalancerDashboard(), "Development");

        (await app.Http.GetAsync("/balancer")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Production_AnonymousOnPurpose_ByOptionOrConvention_Serves(bool byOption)
    {
        await using var app = await DashboardApp.StartAsync(
            s => s.AddBalancedHttpClient("catalog", o => o.AddEndpoint(ClosedPort.Address())),
            a =>
            {
                if (byOption)
                {
                    a.MapBalancerDashboard("/balancer", o => o.AllowAnonymous = true);
                }
                else
                {
                    a.MapBalancerDashboard().AllowAnonymous();
                }
            },
            Production);

        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested.Should().BeFalse();
        (await app.Http.GetAsync("/balancer")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await app.Http.GetAsync("/balancer/api/snapshot")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("option")]
    [InlineData("convention")]
    [InlineData("fallback")]
    public async Task Production_Policy_ByOptionConventionOrFallback_ProtectsPageAndApi(string how)
    {
        await using var app = await DashboardApp.StartAsync(
            s =>
            {
                s.AddBalancedHttpClient("catalog", o => o.AddEndpoint(ClosedPort.Address()));
                s.AddAuthentication(HeaderAuthenticationHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
                s.AddAuthorization(o =>
                {
                    o.AddPolicy("ops", p => p.RequireClaim(ClaimTypes.Name, "ops"));
                    if (how == "fallback")
                    {
                        o.FallbackPolicy = o.GetPolicy("ops");
                    }
                });
            },
            a =>
            {
                a.UseAuthentication();
                a.UseAuthorization();
                _ = how switch
                {
                    "option" => a.MapBalancerDashboard("/balancer", o => o.AuthorizationPolicy = "ops"),
                    "convention" => a.MapBalancerDashboard().RequireAuthorization("ops"),
                    _ => a.MapBalancerDashboard(),
                };
            },
            Production);
        app.CreateClient("catalog");

        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested.Should().BeFalse();
        foreach (var path in new[] { "/balancer", "/balancer/api/snapshot", "/balancer/api/snapshot/catalog" })
        {
            (await app.Http.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.Unauthorized, path);
            (await SendAsUserAsync(app, path, "guest")).StatusCode.Should().Be(HttpStatusCode.Forbidden, path);
            (await SendAsUserAsync(app, path, "ops")).StatusCode.Should().Be(HttpStatusCode.OK, path);
        }
    }

    [Fact]
    public async Task Options_UnknownPolicy_FailsWhenMapped()
    {
        var start = () => DashboardApp.StartAsync(
            s =>
            {
                s.AddBalancedHttpClient("catalog", o => o.AddEndpoint(ClosedPort.Address()));
                s.AddAuthorization();
            },
            a => a.MapBalancerDashboard("/balancer", o => o.AuthorizationPolicy = "opps"),
            Production);

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*AuthorizationPolicy 'opps' is not a registered policy*");
    }

    [Fact]
    public async Task Options_PolicyAndAnonymous_FailsWhenMapped()
    {
        var start = () => DashboardApp.StartAsync(
            s => s.AddBalancedHttpClient("catalog", o => o.AddEndpoint(ClosedPort.Address())),
            a => a.MapBalancerDashboard("/balancer", o => (o.AuthorizationPolicy, o.AllowAnonymous) = ("ops", true)),
            Production);

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*AuthorizationPolicy 'ops' and AllowAnonymous 'true' are both set; choose one*");
    }

    [Fact]
    public async Task RedactAddresses_Json_ShowsStableDistinctLabelsAndNoAddress()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        var refusing = ClosedPort.Address();
        await using var app = await DashboardApp.StartAsync(
            s => s.AddBalancedHttpClient("catalog", o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoint(cluster[0].Address.ToString(), zone: "eu-1a");
                o.AddEndpoint(cluster[1].Address.ToString());
                o.AddEndpoint(cluster[2].Address.ToString());
                o.AddEndpoint(refusing);
            }),
            a => a.MapBalancerDashboard("/balancer", o => (o.AllowAnonymous, o.RedactAddresses) = (true, true)),
            Production);
        await Traffic.SendAsync(app.CreateClient("catalog"), 40);

        var all = await app.Http.GetStringAsync("/balancer/api/snapshot");
        var one = await app.Http.GetStringAsync("/balancer/api/snapshot/catalog");
        var again = await app.Http.GetStringAsync("/balancer/api/snapshot/catalog");

        foreach (var text in new[] { all, one })
        {
            text.Should().NotContain("127.0.0.1").And.NotContain("localhost").And.NotContain(refusing[7..].TrimEnd('/'));
            foreach (var backend in new[] { cluster[0], cluster[1], cluster[2] })
            {
                text.Should().NotContain(":" + backend.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        var labels = Addresses(one);
        labels.Should().HaveCount(4).And.OnlyHaveUniqueItems().And.AllSatisfy(l => l.Should().MatchRegex("^endpoint-[0-9A-F]{8}$"));
        Addresses(again).Should().Equal(labels, "labels are stable, so the page can follow each endpoint");
        Addresses(all).Should().BeEquivalentTo(labels);
        one.Should().Contain("\"zone\":\"eu-1a\"").And.Contain("\"totalRequests\":");
    }

    private static List<string> Addresses(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var clients = root.TryGetProperty("clients", out var list) ? [.. list.EnumerateArray()] : new List<JsonElement> { root };
        return [.. clients.SelectMany(c => c.GetProperty("endpoints").EnumerateArray()).Select(e => e.GetProperty("address").GetString()!)];
    }

    private static async Task<HttpResponseMessage> SendAsUserAsync(DashboardApp app, string path, string user)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(HeaderAuthenticationHandler.Header, user);
        return await app.Http.SendAsync(request);
    }

    /// <summary>Keeps every log message written through it.</summary>
    private sealed class LogRecorder : ILoggerProvider
    {
        private readonly ConcurrentQueue<(LogLevel Level, string Text)> _messages = new();

        public IReadOnlyList<(LogLevel Level, string Text)> Messages => [.. _messages];

        public ILogger CreateLogger(string categoryName) => new Recorder(_messages);

        public void Dispose()
        {
        }

        private sealed class Recorder(ConcurrentQueue<(LogLevel Level, string Text)> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
