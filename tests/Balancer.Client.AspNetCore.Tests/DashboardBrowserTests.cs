using Balancer.Client.Selection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Balancer.Client.AspNetCore.Tests;

/// <summary>
/// The dashboard page in a real browser: real backends, two balanced clients under load, headless Chromium. Waits on
/// the page's DOM (Playwright's waiting APIs), never on fixed sleeps.
/// </summary>
public sealed class DashboardBrowserTests
{
    private const string TotalOfCatalog =
        "() => [...document.querySelectorAll(\"section[data-client='catalog'] td[data-field='requests']\")].reduce((sum, td) => sum + Number(td.firstChild.textContent.replace(/,/g, '')), 0)";

    private static readonly TimeSpan s_timeLimit = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Page_UnderLoad_ShowsEveryEndpointAndItsNumbersUpdate()
    {
        var (playwright, browser) = await Browser.LaunchOrSkipAsync();
        using var _ = playwright;
        await using var __ = browser;

        await using var cluster = await BackendCluster.StartAsync(4, (i, o) =>
        {
            o.Name = i switch { 0 => "fast-1", 1 => "fast-2", 2 => "slow", _ => "flaky" };
            o.Behavior.Distribution = ServiceTimeDistribution.Exponential;
            o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(i == 2 ? 25 : 3);
            o.Behavior.FailureRate = i == 3 ? 0.15 : 0;
            o.Seed = 7 + i;
        });
        var refusing = ClosedPort.Address();
        await using var app = await DashboardApp.StartAsync(s =>
        {
            s.AddBalancedHttpClient("catalog", o =>
            {
                o.Selector = EndpointSelectorNames.PeakEwma;
                o.AddEndpoint(cluster[0].Address.ToString(), zone: "eu-1a");
                o.AddEndpoint(cluster[1].Address.ToString(), zone: "eu-1b");
                o.AddEndpoint(cluster[2].Address.ToString(), zone: "eu-1a");
                o.AddEndpoint(cluster[3].Address.ToString(), zone: "eu-1b");
            });
            s.AddBalancedHttpClient("inventory", o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoint(cluster[0].Address.ToString(), weight: 2);
                o.AddEndpoint(cluster[1].Address.ToString());
                o.AddEndpoint(refusing);
            });
        });

        // Both clients have seen traffic before the page opens; more keeps coming while it is open.
        (await Traffic.SendAsync(app.CreateClient("inventory"), 40, concurrency: 1)).Should().BeGreaterThan(0, "the refusing endpoint fails until it is ejected");
        await Traffic.SendAsync(app.CreateClient("catalog"), 200);
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(
            Traffic.RunAsync(app.CreateClient("catalog"), concurrency: 2, pause: TimeSpan.FromMilliseconds(10), maxCount: 12_000, s_timeLimit, stop.Token),
            Traffic.RunAsync(app.CreateClient("inventory"), concurrency: 1, pause: TimeSpan.FromMilliseconds(20), maxCount: 3_000, s_timeLimit, stop.Token));

        try
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 }, ColorScheme = ColorScheme.Light });
            page.SetDefaultTimeout(20_000);
            SetDefaultExpectTimeout(20_000);
            await page.GotoAsync(new Uri(app.Address, "balancer").ToString());

            var catalog = page.Locator("section[data-client='catalog']");
            var inventory = page.Locator("section[data-client='inventory']");
            await Expect(catalog.Locator("tr[data-endpoint]")).ToHaveCountAsync(4);
            await Expect(inventory.Locator("tr[data-endpoint]")).ToHaveCountAsync(3);
            await Expect(page.Locator("section.client h2")).ToHaveTextAsync(["catalog", "inventory"]);
            foreach (var backend in cluster)
            {
                await Expect(catalog.Locator($"tr[data-endpoint='{backend.Address.AbsoluteUri}'] td[data-field='endpoint']")).ToContainTextAsync(backend.Address.AbsoluteUri);
            }

            // A refused connection takes the endpoint out at once: it shows as unreachable until a reconnect check connects.
            await Expect(inventory.Locator($"tr[data-endpoint='{refusing}'] td[data-field='health']")).ToContainTextAsync("unreachable");
            await Expect(catalog.Locator(".chip").First).ToContainTextAsync("PeakEwma");
            await Expect(page.Locator("#status")).ToHaveClassAsync("status live");

            // The numbers move: the client's total requests grow from one refresh to a later one.
            var before = await page.EvaluateAsync<long>(TotalOfCatalog);
            var refreshes = int.Parse(await page.Locator("body").GetAttributeAsync("data-refreshes") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            await page.WaitForFunctionAsync(
                $"([before, refreshes]) => ({TotalOfCatalog})() > before && Number(document.body.dataset.refreshes) > refreshes + 1",
                new object[] { before, refreshes });
            (await page.EvaluateAsync<long>(TotalOfCatalog)).Should().BeGreaterThan(before);

            // Once two snapshots are apart, rates appear; the shares of a client add up to 100%.
            await Expect(catalog.Locator("td[data-field='rate']").First).Not.ToHaveTextAsync("–");
            var shares = await catalog.Locator("tr[data-endpoint]").EvaluateAllAsync<double[]>("rows => rows.map(r => Number(r.dataset.share))");
            shares.Sum().Should().BeApproximately(1, 0.01);
            var widths = await catalog.Locator(".fill").EvaluateAllAsync<double[]>("bars => bars.map(b => b.getBoundingClientRect().width)");
            widths.Should().Contain(w => w > 0, "the share bars are drawn");

            await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath(), FullPage = true });
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }
    }

    [SkippableFact]
    public async Task Page_RedactedAddresses_ShowsLabelsAndNoAddress()
    {
        var (playwright, browser) = await Browser.LaunchOrSkipAsync();
        using var _ = playwright;
        await using var __ = browser;
        await using var cluster = await BackendCluster.StartAsync(3);
        await using var app = await DashboardApp.StartAsync(
            s => s.AddBalancedHttpClient("catalog", o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                foreach (var backend in cluster)
                {
                    o.AddEndpoint(backend.Address.ToString(), zone: "eu-1a");
                }
            }),
            a => a.MapBalancerDashboard("/balancer", o => (o.AllowAnonymous, o.RedactAddresses) = (true, true)),
            "Production");
        await Traffic.SendAsync(app.CreateClient("catalog"), 30);

        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        SetDefaultExpectTimeout(20_000);
        await page.GotoAsync(new Uri(app.Address, "balancer").ToString());
        var rows = page.Locator("section[data-client='catalog'] tr[data-endpoint]");
        await Expect(rows).ToHaveCountAsync(3);
        var labels = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.endpoint)");
        labels.Should().OnlyHaveUniqueItems().And.AllSatisfy(l => l.Should().MatchRegex("^endpoint-[0-9A-F]{8}$"));
        (await rows.Locator("td[data-field='endpoint']").AllInnerTextsAsync()).Should().AllSatisfy(t => t.Should().StartWith("endpoint-"));

        var text = await page.Locator("body").InnerTextAsync();
        var html = await page.ContentAsync();
        text.Should().Contain("eu-1a");
        foreach (var backend in cluster)
        {
            html.Should().NotContain($"127.0.0.1:{backend.Port}");
        }
    }

    /// <summary>
    /// docs/images/dashboard.png of the repository when BALANCER_UPDATE_SCREENSHOT=1 (to refresh the picture in the docs),
    /// otherwise next to the test assembly, so that test runs leave the working tree clean.
    /// </summary>
    private static string ScreenshotPath()
    {
        if (Environment.GetEnvironmentVariable("BALANCER_UPDATE_SCREENSHOT") != "1")
        {
            return Path.Combine(AppContext.BaseDirectory, "dashboard.png");
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Balancer.Client.sln")))
            {
                var images = Path.Combine(directory.FullName, "docs", "images");
                Directory.CreateDirectory(images);
                return Path.Combine(images, "dashboard.png");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "dashboard.png");
    }
}
