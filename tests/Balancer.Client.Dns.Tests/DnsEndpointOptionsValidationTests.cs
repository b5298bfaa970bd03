using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Balancer.Client.Dns.Tests;

public sealed class DnsEndpointOptionsValidationTests
{
    [Fact]
    public async Task CreateClient_InvalidOptions_ThrowsNamingClientSourceFieldsAndValues()
    {
        await using var provider = DnsTestServices.Build("dns-bad", _ => { }, b => b.AddDnsSrvEndpoints("_http._tcp.catalog.test", o =>
        {
            o.Scheme = "ftp";
            o.MinRefresh = TimeSpan.Zero;
            o.MaxRefresh = TimeSpan.FromDays(2);
            o.QueryTimeout = TimeSpan.FromMinutes(5);
            o.Retries = -1;
            o.NameServers.Add(new IPEndPoint(IPAddress.Loopback, 0));
            o.NameServers.Add(new IPEndPoint(IPAddress.Any, 53));
        }));

        var act = () => provider.CreateClient("dns-bad");

        var exception = act.Should().Throw<OptionsValidationException>().Which;
        exception.Message.Should()
            .Contain("Balancer client 'dns-bad': DNS source dns-srv:_http._tcp.catalog.test: Scheme 'ftp' is not supported; use 'http' or 'https'")
            .And.Contain("MinRefresh '00:00:00' is out of range; allowed from 00:00:00.1000000 to 01:00:00")
            .And.Contain("MaxRefresh '2.00:00:00' is out of range")
            .And.Contain("QueryTimeout '00:05:00' is out of range")
            .And.Contain("Retries '-1' is out of range; allowed from 0 to 10")
            .And.Contain("NameServers[0] '127.0.0.1:0' has port 0")
            .And.Contain("NameServers[1] '0.0.0.0:53' is an unspecified address");
    }

    [Fact]
    public async Task CreateClient_MaxRefreshBelowMinRefresh_Throws()
    {
        await using var provider = DnsTestServices.Build("dns-bounds", _ => { }, b => b.AddDnsSrvEndpoints("_http._tcp.catalog.test", o =>
        {
            o.MinRefresh = TimeSpan.FromSeconds(10);
            o.MaxRefresh = TimeSpan.FromSeconds(5);
        }));

        var act = () => provider.CreateClient("dns-bounds");

        act.Should().Throw<OptionsValidationException>().WithMessage("*'dns-bounds'*MaxRefresh '00:00:05' is out of range; allowed from MinRefresh (00:00:10)*");
    }

    [Fact]
    public async Task CreateClient_UseTargetHostNamesOnAHostSource_Throws()
    {
        await using var provider = DnsTestServices.Build("dns-host", _ => { }, b => b.AddDnsEndpoints("catalog.test", 8080, o => o.UseTargetHostNames = true));

        var act = () => provider.CreateClient("dns-host");

        act.Should().Throw<OptionsValidationException>().WithMessage("*'dns-host'*dns:catalog.test:8080*UseTargetHostNames 'True' applies only to SRV sources*");
    }

    [Fact]
    public async Task StartAsync_GenericHostWithInvalidOptions_FailsValidateOnStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBalancedHttpClient("dns-host-start", _ => { })
            .AddDnsSrvEndpoints("_http._tcp.catalog.test", o => o.Retries = 11);
        using var host = builder.Build();

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>())
            .WithMessage("Balancer client 'dns-host-start': DNS source dns-srv:_http._tcp.catalog.test: Retries '11' is out of range*");
    }

    [Fact]
    public async Task CreateClient_ValidOptions_DoNotThrowAndTwoSourcesAreValidatedApart()
    {
        var nowhere = new IPEndPoint(IPAddress.Loopback, ClosedPort.Udp()); // the sources start with the client: keep their queries on loopback
        await using var provider = DnsTestServices.Build("dns-good", _ => { }, b => b
            .AddDnsSrvEndpoints("_http._tcp.catalog.test", o => o.NameServers.Add(nowhere))
            .AddDnsEndpoints("catalog.test.", 8443, o =>
            {
                o.Scheme = "HTTPS";
                o.NameServers.Add(nowhere);
            }));

        var act = () => provider.CreateClient("dns-good");

        act.Should().NotThrow();
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("catalog..test")]
    [InlineData("catalog test")]
    [InlineData("http://catalog.test")]
    public void AddDnsSrvEndpoints_InvalidName_ThrowsNamingClientAndValue(string name)
    {
        var services = new ServiceCollection();
        var builder = services.AddBalancedHttpClient("dns-name", _ => { });

        var act = () => builder.AddDnsSrvEndpoints(name);

        act.Should().Throw<ArgumentException>().WithMessage($"Balancer client 'dns-name': DNS SRV name '{name}' *").Which.ParamName.Should().Be("serviceName");
    }

    [Fact]
    public void AddDnsSrvEndpoints_LabelLongerThan63_Throws()
    {
        var builder = new ServiceCollection().AddBalancedHttpClient("dns-long", _ => { });

        var act = () => builder.AddDnsSrvEndpoints($"_http._tcp.{new string('a', 64)}.test");

        act.Should().Throw<ArgumentException>().WithMessage("*1 to 63 characters*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public void AddDnsEndpoints_PortOutOfRange_ThrowsNamingClientAndValue(int port)
    {
        var builder = new ServiceCollection().AddBalancedHttpClient("dns-port", _ => { });

        var act = () => builder.AddDnsEndpoints("catalog.test", port);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"Balancer client 'dns-port': DNS port '{port}' for 'catalog.test' is out of range; allowed from 1 to 65535.*");
    }
}
