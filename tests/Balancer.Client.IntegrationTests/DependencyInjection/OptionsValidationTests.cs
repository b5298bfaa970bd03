using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Balancer.Client.IntegrationTests.DependencyInjection;

public sealed class OptionsValidationTests
{
    [Fact]
    public async Task CreateClient_InvalidOptions_ThrowsNamingClientFieldAndValue()
    {
        await using var provider = TestServices.Build("bad-options", o =>
        {
            o.Selector = "Fastest";
            o.AddEndpoint("ftp://127.0.0.1:21");
            o.AddEndpoint("http://127.0.0.1:5000", weight: 500);
        });

        var act = () => provider.CreateClient("bad-options");

        var exception = act.Should().Throw<OptionsValidationException>().Which;
        exception.OptionsName.Should().Be("bad-options");
        exception.Message.Should()
            .Contain("'bad-options'")
            .And.Contain("Selector 'Fastest'")
            .And.Contain("Endpoints[0].Address 'ftp://127.0.0.1:21'")
            .And.Contain("Endpoints[1].Weight '500'");
    }

    [Fact]
    public async Task CreateClient_SeveralProblems_MessageHasOneLinePerProblem()
    {
        await using var provider = TestServices.Build("lines", o =>
        {
            o.AddEndpoint("ftp://127.0.0.1:21");
            o.AddEndpoint("http://127.0.0.1:5000", weight: 0);
        });

        var act = () => provider.CreateClient("lines");

        var exception = act.Should().Throw<OptionsValidationException>().Which;
        exception.Message.Split(Environment.NewLine).Should().Equal(
            "Balancer client 'lines': Endpoints[0].Address 'ftp://127.0.0.1:21' has scheme 'ftp'; only http and https are supported.",
            "Balancer client 'lines': Endpoints[1].Weight '0' is out of range; allowed from 1 to 100.");
        exception.Message.Should().NotContain(".;");
    }

    [Fact]
    public async Task StartAsync_SeveralProblems_ValidateOnStartMessageHasOneLinePerProblem()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBalancedHttpClient("host-lines", o =>
        {
            o.Selector = "Fastest";
            o.AddEndpoint("http://127.0.0.1:5000", weight: 500);
        });
        using var host = builder.Build();

        var act = () => host.StartAsync();

        var lines = (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Split(Environment.NewLine);
        lines.Should().HaveCount(2);
        lines.Should().AllSatisfy(line => line.Should().StartWith("Balancer client 'host-lines': ").And.EndWith(".").And.NotContain(".;"));
        lines[0].Should().StartWith("Balancer client 'host-lines': Selector 'Fastest' is not a known selector; use one of: ");
        lines[1].Should().Be("Balancer client 'host-lines': Endpoints[0].Weight '500' is out of range; allowed from 1 to 100.");
    }

    [Fact]
    public async Task GetRequiredService_TypedClientWithoutEndpoints_ThrowsNamingClientAndField()
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient<ICatalog, Catalog>("bad-typed", _ => { });
        await using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<ICatalog>();

        act.Should().Throw<OptionsValidationException>()
            .WithMessage("*'bad-typed'*Endpoints '(empty)' has no endpoint*");
    }

    [Fact]
    public async Task StartAsync_GenericHostWithInvalidOptions_FailsValidateOnStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBalancedHttpClient("host-bad", o => o.AddEndpoint("not-a-uri"));
        using var host = builder.Build();

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>())
            .WithMessage("*'host-bad'*Endpoints[0].Address 'not-a-uri'*");
    }

    [Fact]
    public async Task StartAsync_GenericHostWithValidOptions_StartsAndClientIsBalanced()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "hosted" });
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBalancedHttpClient<ICatalog, Catalog>("host-good", o => o.AddEndpoint(backend.Address.ToString()));
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            (await host.Services.GetRequiredService<ICatalog>().GetBackendAsync()).Should().Be("hosted");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    public interface ICatalog
    {
        Task<string> GetBackendAsync();
    }

    public sealed class Catalog(HttpClient client) : ICatalog
    {
        public Task<string> GetBackendAsync() => client.GetBackendAsync("/catalog");
    }
}
