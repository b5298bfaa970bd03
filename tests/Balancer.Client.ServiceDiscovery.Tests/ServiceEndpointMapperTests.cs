using System.Net;
using Balancer.Client.ServiceDiscovery.Internal;
using Microsoft.Extensions.ServiceDiscovery;

namespace Balancer.Client.ServiceDiscovery.Tests;

public sealed class ServiceEndpointMapperTests
{
    [Theory]
    [InlineData("http://10.0.0.5:8080", "http://10.0.0.5:8080/")]
    [InlineData("https://catalog.internal/api/v2/?x=1", "https://catalog.internal/api/v2/")]
    [InlineData("10.0.0.5:8080", "http://10.0.0.5:8080")]
    [InlineData("[fd00::5]:8080", "http://[fd00::5]:8080")]
    [InlineData("catalog.internal:8443", "http://catalog.internal:8443")]
    [InlineData("catalog.internal", "http://catalog.internal")]
    public void Address_ParsedServiceEndpoint_KeepsUrisAndGivesOthersTheDefaultScheme(string value, string expected)
    {
        ServiceEndpoint.TryParse(value, out var endpoint).Should().BeTrue();

        ServiceEndpointMapper.Address(endpoint!.EndPoint, Uri.UriSchemeHttp).Should().Be(expected);
    }

    [Fact]
    public void Address_UnsupportedEndPoint_IsPassedOnAsText()
    {
        ServiceEndpointMapper.Address(new System.Net.Sockets.UnixDomainSocketEndPoint("/tmp/s"), Uri.UriSchemeHttp).Should().Be("/tmp/s");
    }

    [Theory]
    [InlineData("http://catalog", true, "http")]
    [InlineData("https+http://catalog", true, "https")]
    [InlineData("https+http://catalog", false, "http")]
    [InlineData("catalog", true, "http")]
    [InlineData("grpc://catalog", true, "http")]
    public void DefaultScheme_FirstAllowedHttpScheme(string serviceName, bool allowAll, string expected)
    {
        ServiceEndpointQuery.TryParse(serviceName, out var query).Should().BeTrue();
        var options = new ServiceDiscoveryOptions { AllowAllSchemes = allowAll, AllowedSchemes = ["http"] };

        ServiceEndpointMapper.DefaultScheme(query!, options).Should().Be(expected);
    }

    [Fact]
    public void Map_HostNameFeature_BecomesMetadata()
    {
        var features = new Microsoft.AspNetCore.Http.Features.FeatureCollection();
        features.Set<IHostNameFeature>(new HostName("catalog.example"));
        var endpoint = ServiceEndpoint.Create(new IPEndPoint(IPAddress.Loopback, 5000), features);

        var mapped = ServiceEndpointMapper.Map(endpoint, Uri.UriSchemeHttps);

        mapped.Address.Should().Be("https://127.0.0.1:5000");
        mapped.Metadata.Should().Equal(new Dictionary<string, string> { [ServiceDiscoveryMetadataKeys.HostName] = "catalog.example" });
    }

    private sealed record HostName(string Value) : IHostNameFeature
    {
        string IHostNameFeature.HostName => Value;
    }
}
