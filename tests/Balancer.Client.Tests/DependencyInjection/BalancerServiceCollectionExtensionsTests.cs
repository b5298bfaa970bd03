using Balancer.Client.Endpoints;
using Balancer.Client.Selection;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.Tests.DependencyInjection;

public class BalancerServiceCollectionExtensionsTests
{
    [Theory]
    [InlineData("my client")]
    [InlineData("a/b")]
    [InlineData("")]
    public void AddBalancedHttpClient_NameThatIsNotAHostName_Throws(string name)
    {
        var add = () => new ServiceCollection().AddBalancedHttpClient(name, o => o.AddEndpoint("http://127.0.0.1:1"));

        add.Should().Throw<ArgumentException>();
    }

    [Theory]
    [InlineData("PeakEwma")]
    [InlineData("roundrobin")]
    public void AddEndpointSelector_BuiltInName_IsReserved(string name)
    {
        var add = () => new ServiceCollection().AddEndpointSelector<FirstSelector>(name);

        add.Should().Throw<ArgumentException>().WithMessage("*reserved*");
    }

    [Fact]
    public void AddBalancedHttpClient_ReturnsTheHttpClientBuilderOfTheName()
    {
        var builder = new ServiceCollection().AddBalancedHttpClient("catalog", o => o.AddEndpoint("http://127.0.0.1:1"));

        builder.Name.Should().Be("catalog");
    }

    [Fact]
    public void AddBalancedHttpClient_Typed_SetsBaseAddressToTheLogicalName()
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient<ICatalog, Catalog>("catalog", o => o.AddEndpoint("http://127.0.0.1:1"));
        using var provider = services.BuildServiceProvider();

        var catalog = (Catalog)provider.GetRequiredService<ICatalog>();

        catalog.Client.BaseAddress.Should().Be(new Uri("http://catalog/"));
    }

    [Fact]
    public void AddBalancedHttpClient_UserBaseAddress_IsKept()
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient("catalog", o => o.AddEndpoint("http://127.0.0.1:1"))
            .ConfigureHttpClient(c => c.BaseAddress = new Uri("http://catalog/v2/"));
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog").BaseAddress.Should().Be(new Uri("http://catalog/v2/"));
    }

    public interface ICatalog
    {
    }

    public sealed class Catalog(HttpClient client) : ICatalog
    {
        public HttpClient Client => client;
    }

    private sealed class FirstSelector : IEndpointSelector
    {
        public BalancerEndpoint? Select(in SelectionContext context) => context.Endpoints.Count > 0 ? context.Endpoints[0] : null;
    }
}
