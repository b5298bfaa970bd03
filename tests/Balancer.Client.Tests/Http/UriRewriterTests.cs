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

    [Theory]
    [InlineData("http://catalog/x", true)]
    [InlineData("http://CATALOG/x", true)]
    [InlineData("https://catalog:8443/x", true)]
    [InlineData("http://catalog.internal/x", false)]
    [InlineData("http://127.0.0.1:5001/x", false)]
    public void IsLogical_MatchesTheClientNameOnly(string uri, bool expected) =>
        UriRewriter.IsLogical(new Uri(uri), "catalog").Should().Be(expected);
}
