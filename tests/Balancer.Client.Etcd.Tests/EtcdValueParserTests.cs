using System.Text;
using Balancer.Client.Etcd.Internal;

namespace Balancer.Client.Etcd.Tests;

public sealed class EtcdValueParserTests
{
    [Fact]
    public void TryParse_FullDocument_ReadsEveryField()
    {
        var ok = Parse("""{"address":"http://10.0.0.5:8080/api","weight":7,"zone":"eu-1b","priority":2,"metadata":{"version":"1.4.2","canary":true,"shard":3}}""", out var endpoint, out var problem);

        ok.Should().BeTrue(problem);
        endpoint!.Address.Should().Be("http://10.0.0.5:8080/api");
        endpoint.Weight.Should().Be(7);
        endpoint.Zone.Should().Be("eu-1b");
        endpoint.Priority.Should().Be(2);
        endpoint.Metadata.Should().BeEquivalentTo(new Dictionary<string, string> { ["version"] = "1.4.2", ["canary"] = "true", ["shard"] = "3" });
    }

    [Fact]
    public void TryParse_OnlyAddress_TakesTheDefaults()
    {
        Parse("""{"address":"https://catalog-1.internal:8443"}""", out var endpoint, out _).Should().BeTrue();

        endpoint!.Weight.Should().Be(1);
        endpoint.Priority.Should().Be(0);
        endpoint.Zone.Should().BeNull();
        endpoint.Metadata.Should().BeEmpty();
    }

    [Fact]
    public void TryParse_NamesInAnyCaseAndUnknownNames_Accepted()
    {
        Parse("""{"Address":"http://10.0.0.5:8080","WEIGHT":3,"version":"ignored","tags":["a"]}""", out var endpoint, out var problem).Should().BeTrue(problem);

        endpoint!.Weight.Should().Be(3);
    }

    [Theory]
    [InlineData("http://10.0.0.5:8080", "http://10.0.0.5:8080")]
    [InlineData("  https://[::1]:8443/base/ \n", "https://[::1]:8443/base/")]
    [InlineData("10.0.0.5:8080", "http://10.0.0.5:8080")]
    [InlineData("catalog-1.internal:80", "http://catalog-1.internal:80")]
    [InlineData("\"http://10.0.0.5:8080\"", "http://10.0.0.5:8080")]
    public void TryParse_PlainAddress_Accepted(string value, string expected)
    {
        Parse(value, out var endpoint, out var problem).Should().BeTrue(problem);

        endpoint!.Address.Should().Be(expected);
        endpoint.Weight.Should().Be(1);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData("{\"address\":", "is not valid JSON")]
    [InlineData("{\"weight\":2}", "has no 'address'")]
    [InlineData("{\"address\":42}", "'address' 42; expected a string")]
    [InlineData("{\"address\":\"ftp://10.0.0.5:21\"}", "'ftp://10.0.0.5:21', which is not an absolute http or https URI")]
    [InlineData("{\"address\":\"http://10.0.0.5:8080\",\"weight\":0}", "'weight' 0; allowed from 1 to 100")]
    [InlineData("{\"address\":\"http://10.0.0.5:8080\",\"weight\":1000}", "'weight' 1000; allowed from 1 to 100")]
    [InlineData("{\"address\":\"http://10.0.0.5:8080\",\"weight\":1.5}", "'weight' 1.5; expected a whole number")]
    [InlineData("{\"address\":\"http://10.0.0.5:8080\",\"weight\":\"2\"}", "'weight' \"2\"; expected a whole number")]
    [InlineData("{\"address\":\"http://10.0.0.5:8080\",\"priority\":-1}", "'priority' -1")]
    [InlineData("{\"address\":\"http://10.0.0.5:8080\",\"zone\":5}", "'zone' 5; expected a string")]
    [InlineData("{\"address\":\"http://10.0.0.5:8080\",\"metadata\":[1]}", "'metadata' [1]; expected an object")]
    [InlineData("{\"address\":\"http://10.0.0.5:8080\",\"metadata\":{\"a\":{\"b\":1}}}", "'metadata.a'")]
    [InlineData("[\"http://10.0.0.5:8080\"]", "is a JSON array; expected an object")]
    [InlineData("mailto:someone@example.org", "contains user information")]
    [InlineData("http://10.0.0.5:8080/?a=1", "a query")]
    [InlineData("http://", "is not an absolute http or https URI")]
    public void TryParse_Invalid_SaysWhy(string value, string expected)
    {
        Parse(value, out var endpoint, out var problem).Should().BeFalse();

        endpoint.Should().BeNull();
        problem.Should().Contain(expected);
    }

    [Theory]
    [InlineData("http://10.0.0.5:8080")]
    [InlineData("{\"address\":\"http://10.0.0.5:8080\"}")]
    [InlineData("\"HTTP://10.0.0.5:8080\"")]
    public void TryParse_HttpsSource_HttpValue_Refused(string value)
    {
        EtcdValueParser.TryParse(Encoding.UTF8.GetBytes(value), out _, out var problem, "https").Should().BeFalse();

        problem.Should().Contain("is http, but the source is configured for https (Etcd.Scheme); a discovered value never downgrades it");
    }

    [Fact]
    public void TryParse_HttpsSource_NoScheme_TakesHttps()
    {
        EtcdValueParser.TryParse("10.0.0.5:8443"u8, out var endpoint, out var problem, "https").Should().BeTrue(problem);

        endpoint!.Address.Should().Be("https://10.0.0.5:8443");
    }

    [Fact]
    public void TryParse_JsonArray_SaysWhatWasExpected()
    {
        EtcdValueParser.TryParse("[1]"u8, out _, out var problem).Should().BeFalse();

        problem.Should().Contain("is a JSON array");
    }

    [Fact]
    public void TryParse_NotUtf8_SaysSo()
    {
        EtcdValueParser.TryParse(new byte[] { 0xff, 0xfe, 0x41 }, out _, out var problem).Should().BeFalse();

        problem.Should().Be("is not UTF-8 text");
    }

    [Fact]
    public void ToJson_ReadBackByTheParser_SameEndpoint()
    {
        var instance = new EtcdInstance { Address = "http://10.0.0.5:8080", Weight = 4, Zone = "eu-1a", Priority = 1, Metadata = { ["version"] = "2" } };

        Parse(instance.ToJson(), out var endpoint, out var problem).Should().BeTrue(problem);

        instance.ToJson().Should().Be("""{"address":"http://10.0.0.5:8080","weight":4,"zone":"eu-1a","priority":1,"metadata":{"version":"2"}}""");
        endpoint!.Address.Should().Be(instance.Address);
        endpoint.Weight.Should().Be(4);
        endpoint.Zone.Should().Be("eu-1a");
        endpoint.Priority.Should().Be(1);
        endpoint.Metadata.Should().ContainKey("version").WhoseValue.Should().Be("2");
    }

    [Theory]
    [InlineData("/services/catalog/", "/services/catalog0")]
    [InlineData("a", "b")]
    public void PrefixRangeEnd_IncrementsTheLastByte(string prefix, string expected) =>
        Encoding.UTF8.GetString(EtcdKeys.PrefixRangeEnd(EtcdKeys.Encode(prefix))).Should().Be(expected);

    [Fact]
    public void PrefixRangeEnd_TrailingFF_Dropped() =>
        EtcdKeys.PrefixRangeEnd([0x61, 0xff]).Should().Equal(0x62);

    private static bool Parse(string value, out BalancerEndpointOptions? endpoint, out string? problem) =>
        EtcdValueParser.TryParse(Encoding.UTF8.GetBytes(value), out endpoint, out problem);
}
