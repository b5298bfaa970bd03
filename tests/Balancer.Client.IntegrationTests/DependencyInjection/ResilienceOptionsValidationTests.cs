using Balancer.Client.Resilience;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Balancer.Client.IntegrationTests.DependencyInjection;

public sealed class ResilienceOptionsValidationTests
{
    private const string Endpoint = "http://127.0.0.1:5000";

    [Fact]
    public async Task CreateClient_InvalidHealthOptions_ThrowsNamingClientFieldsAndValues()
    {
        await using var provider = TestServices.Build("bad-health", o =>
        {
            o.AddEndpoint(Endpoint);
            o.Health.PanicThreshold = 2;
            o.Health.OutlierDetection.ConsecutiveFailures = -1;
            o.Health.ActiveChecks.Interval = TimeSpan.FromMilliseconds(5);
        });

        var act = () => provider.CreateClient("bad-health");

        var exception = act.Should().Throw<OptionsValidationException>().Which;
        exception.OptionsName.Should().Be("bad-health");
        exception.Message.Should()
            .Contain("Balancer client 'bad-health': Health.PanicThreshold '2' is out of range")
            .And.Contain("Health.OutlierDetection.ConsecutiveFailures '-1'")
            .And.Contain("Health.ActiveChecks.Interval '00:00:00.0050000'");
    }

    [Fact]
    public async Task StartAsync_GenericHostWithInvalidRetryOptions_FailsValidateOnStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBalancedHttpClient("bad-retry", o => o.AddEndpoint(Endpoint))
            .AddBalancerRetry(o => o.MaxRetryAttempts = 0);
        using var host = builder.Build();

        var act = () => host.StartAsync();

        var exception = (await act.Should().ThrowAsync<OptionsValidationException>()).Which;
        exception.OptionsName.Should().Be("bad-retry");
        exception.Message.Should().Contain("Balancer client 'bad-retry': Retry.MaxRetryAttempts '0' is out of range; allowed from 1 to 10");
    }

    [Fact]
    public async Task StartAsync_GenericHostWithInvalidHedgingOptions_FailsValidateOnStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBalancedHttpClient("bad-hedging", o => o.AddEndpoint(Endpoint))
            .AddBalancerHedging(o => o.Delay = TimeSpan.FromMilliseconds(-1));
        using var host = builder.Build();

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>())
            .WithMessage("Balancer client 'bad-hedging': Hedging.Delay '-00:00:00.0010000' is out of range*");
    }

    [Fact]
    public async Task OptionsMonitorGet_InvalidRetryAndHedgingOptions_ThrowNamingClientFieldAndValue()
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient("bad-both", o => o.AddEndpoint(Endpoint))
            .AddBalancerRetry(o => o.BudgetRatio = 1.5)
            .AddBalancerHedging(o => o.MaxHedgedAttempts = 9);
        await using var provider = services.BuildServiceProvider();

        var retry = () => provider.GetRequiredService<IOptionsMonitor<BalancerRetryOptions>>().Get("bad-both");
        var hedging = () => provider.GetRequiredService<IOptionsMonitor<BalancerHedgingOptions>>().Get("bad-both");
        var client = () => provider.CreateClient("bad-both");

        retry.Should().Throw<OptionsValidationException>().WithMessage("*'bad-both'*Retry.BudgetRatio '1.5'*");
        hedging.Should().Throw<OptionsValidationException>().WithMessage("*'bad-both'*Hedging.MaxHedgedAttempts '9'*");
        client.Should().Throw<OptionsValidationException>("building the client's handlers reads the same options");
    }
}
