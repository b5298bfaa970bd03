using Microsoft.Playwright;

namespace Balancer.Client.AspNetCore.Tests.Infrastructure;

/// <summary>
/// Debian's headless Chromium (installed by <c>eng/install-browser.sh</c>) driven by Playwright's bundled driver.
/// Playwright's own browser builds are never used, so nothing is downloaded.
/// </summary>
internal static class Browser
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Starts Chromium headless, or skips the calling test with the reason when it is missing or cannot start.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchOrSkipAsync()
    {
        Skip.IfNot(File.Exists(ChromiumPath), $"{ChromiumPath} is not installed (eng/install-browser.sh installs Debian's chromium).");
        IPlaywright? playwright = null;
        try
        {
            playwright = await Playwright.CreateAsync();
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Timeout = 30_000,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            });
            return (playwright, browser);
        }
        catch (Exception exception) when (exception is PlaywrightException or InvalidOperationException or IOException or TimeoutException)
        {
            playwright?.Dispose();
            Skip.If(true, $"{ChromiumPath} could not be started by Playwright: {exception.GetType().Name}: {FirstLine(exception.Message)}");
            throw;
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }
}
