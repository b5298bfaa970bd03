using Balancer.Client.Endpoints;
using Balancer.Client.Http;

namespace Balancer.Client.Tests.Http;

public class UriRewriterTests
{
    [Theory]
    [InlineData("http://catalog/items/42?x=1&y=%20", "http://127.0.0.1:5001", "http://127.0.0.1:5001/items/42?x=1&y=%20")]
    [InlineData("http://catalog/", "https://127.0.0.1:5443/api/", "https://127.0.0.1:5443/api/")]
    [InlineData("http://catalog/orders?page=2", "http://127.0.0.1:5001/api", "http://127.0.0.1:5001/api/orders?page=2")]
    [InlineData("http://catalog:9999/x", "http://127.0.0.1:80", "http://127.0.0.1/x")]
    [InlineData("http://catalog/x", "http://[::1]:5001", "http://[::1]:5001/x")]
    public void Rewrite_KeepsPathAndQueryUnderTheBasePath(string logical, string endpoint, string expected)
    {
        var rewritten = UriRewriter.Rewrite(new Uri(logical), new BalancerEndpoint(new Uri(endpoint)));

        rewritten.AbsoluteUri.Should().Be(expected);
    }

    [Fact]
    public void Rewrite_SamePathAndQueryAgain_ReusesTheEndpointsLastUri_AndAnotherPathGetsItsOwn()
    {
        var endpoint = new BalancerEndpoint(new Uri("http://127.0.0.1:5001/api"));

        var first = UriRewriter.Rewrite(new Uri("http://catalog/items/42?x=1"), endpoint);
        var again = UriRewriter.Rewrite(new Uri("http://CATALOG:8080/items/42?x=1"), endpoint);
        var other = UriRewriter.Rewrite(new Uri("http://catalog/items/43?x=1"), endpoint);
        var longer = UriRewriter.Rewrite(new Uri("http://catalog/items/43?x=12"), endpoint);

        again.Should().BeSameAs(first, "the same path and query to the same endpoint need no new URI");
        other.Should().NotBeSameAs(first);
        other.AbsoluteUri.Should().Be("http://127.0.0.1:5001/api/items/43?x=1");
        longer.AbsoluteUri.Should().Be("http://127.0.0.1:5001/api/items/43?x=12", "a path that only starts like the last one is another path");
        UriRewriter.Rewrite(new Uri("http://catalog/items/42?x=1"), new BalancerEndpoint(new Uri("http://127.0.0.1:5002/api"))).AbsoluteUri
            .Should().Be("http://127.0.0.1:5002/api/items/42?x=1", "each endpoint builds its own");
    }

    [Theory]
    [InlineData("http://catalog/x", true)]
    [InlineData("http://CATALOG/x", true)]
    [InlineData("https://catalog:8443/x", true)]
    [InlineData("http://catalog.internal/x", false)]
    [InlineData("http://127.0.0.1:5001/x", false)]
    public void IsLogical_MatchesTheClientNameOnly(string uri, bool expected) =>
        UriRewriter.IsLogical(new Uri(uri), "catalog").Should().Be(expected);
}
