using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Balancer.Client.Etcd.Tests;

public sealed class EtcdOptionsTests
{
    [Fact]
    public void Validation_EveryError_NamesClientFieldAndValue()
    {
        using var provider = Build("catalog", o =>
        {
            o.Endpoints = [new Uri("ftp://127.0.0.1:2379"), null!, new Uri("http://127.0.0.1:2379/?x=1")];
            o.Prefix = "/services/catalog";
            o.RequestTimeout = TimeSpan.FromMilliseconds(10);
            o.RetryDelay = TimeSpan.FromMinutes(2);
            o.MaxRetryDelay = TimeSpan.FromSeconds(1);
        });

        var act = () => provider.GetRequiredService<IOptionsMonitor<EtcdEndpointSourceOptions>>().Get("catalog");

        var failures = act.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
        failures.Should().HaveCount(7);
        failures.Should().AllSatisfy(f => f.Should().StartWith("Balancer client 'catalog': Etcd."));
        failures.Should().Contain(f => f.Contains("Etcd.Endpoints[0] 'ftp://127.0.0.1:2379/' is not an absolute http or https URI", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("Etcd.Endpoints[1] (empty) is null", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("Etcd.Endpoints[2] 'http://127.0.0.1:2379/?x=1' contains", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("Etcd.RequestTimeout '00:00:00.0100000' is out of range", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("Etcd.Prefix '/services/catalog' does not end with '/'; use '/services/catalog/'", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("Etcd.RetryDelay '00:02:00' is out of range", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("Etcd.MaxRetryDelay '00:00:01' is out of range", StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_NoEndpointsNoPrefix_Fails()
    {
        using var provider = Build("orders", _ => { });

        var act = () => provider.GetRequiredService<IOptionsMonitor<EtcdEndpointSourceOptions>>().Get("orders");

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().BeEquivalentTo(
            "Balancer client 'orders': Etcd.Endpoints (empty) has no etcd endpoint; add the client URL of at least one member, such as http://127.0.0.1:2379.",
            "Balancer client 'orders': Etcd.Prefix (empty) is empty; give the key prefix of the service's instances, such as /services/catalog/.");
    }

    [Fact]
    public void Validation_SecurityOptions_NameFieldAndValueButNeverThePassword()
    {
        var missing = Path.Combine(Path.GetTempPath(), "balancer-missing-" + Guid.NewGuid().ToString("N") + ".pem");
        var notPem = Path.GetTempFileName();
        try
        {
            File.WriteAllText(notPem, "not a certificate");
            using var provider = Build("secure", o =>
            {
                o.Endpoints = [new Uri("http://127.0.0.1:2379")];
                o.Prefix = "/services/secure/";
                o.Password = "s3cret-value";
                o.TrustedCaFile = missing;
                o.ClientCertificateFile = notPem;
                o.Scheme = "ftp";
            });

            var act = () => provider.GetRequiredService<IOptionsMonitor<EtcdEndpointSourceOptions>>().Get("secure");

            var failures = act.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
            failures.Should().HaveCount(5);
            failures.Should().AllSatisfy(f => f.Should().StartWith("Balancer client 'secure': Etcd.").And.NotContain("s3cret-value"));
            failures.Should().Contain(f => f.Contains("Etcd.Username (empty) is not set, but Password is", StringComparison.Ordinal));
            failures.Should().Contain(f => f.Contains($"Etcd.TrustedCaFile '{missing}' does not exist", StringComparison.Ordinal));
            failures.Should().Contain(f => f.Contains($"Etcd.ClientCertificateFile '{notPem}' could not be read as a PEM certificate with its private key", StringComparison.Ordinal));
            failures.Should().Contain(f => f.Contains("Etcd.Endpoints[0] 'http://127.0.0.1:2379/' is http, but TrustedCaFile or ClientCertificateFile is set", StringComparison.Ordinal));
            failures.Should().Contain(f => f.Contains("Etcd.Scheme 'ftp' is not supported; use 'http' or 'https'", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(notPem);
        }
    }

    [Fact]
    public void Validation_UserWithoutPassword_Fails()
    {
        using var provider = Build("nopw", o =>
        {
            o.Endpoints = [new Uri("https://127.0.0.1:2379")];
            o.Prefix = "/services/nopw/";
            o.Username = "reader";
        });

        var act = () => provider.GetRequiredService<IOptionsMonitor<EtcdEndpointSourceOptions>>().Get("nopw");

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().ContainSingle()
            .Which.Should().Be("Balancer client 'nopw': Etcd.Password (empty) is not set for Username 'reader'; etcd authenticates users by password.");
    }

    [Fact]
    public void Validation_CertificatesThatLoad_Pass()
    {
        using var certificates = TestCertificates.Create();
        using var provider = Build("certs", o =>
        {
            o.Endpoints = [new Uri("https://127.0.0.1:2379")];
            o.Prefix = "/services/certs/";
            o.TrustedCaFile = certificates.CaFile;
            o.ClientCertificateFile = certificates.ClientCertificateFile;
            o.ClientKeyFile = certificates.ClientKeyFile;
            o.Username = "root";
            o.Password = "pw";
            o.Scheme = "https";
        });

        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void Validation_AtStartup_ThroughValidateOnStart()
    {
        using var provider = Build("startup", o => o.Prefix = "/services/startup/");

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().WithMessage("*'startup'*Etcd.Endpoints*");
    }

    [Fact]
    public void Validation_GoodOptions_Pass()
    {
        using var provider = Build("good", o =>
        {
            o.Endpoints = [new Uri("http://127.0.0.1:2379"), new Uri("https://127.0.0.1:2380")];
            o.Prefix = "/services/good/";
        });

        provider.GetRequiredService<IStartupValidator>().Validate();
        provider.GetRequiredService<IOptionsMonitor<EtcdEndpointSourceOptions>>().Get("good").Prefix.Should().Be("/services/good/");
    }

    [Fact]
    public async Task Source_EtcdUnreachable_FirstRequestFailsNamingTheSourceAndTheError()
    {
        var closed = ClosedPort();
        using var provider = Build("unreachable", o =>
        {
            o.Endpoints = [new Uri($"http://127.0.0.1:{closed}")];
            o.Prefix = "/services/unreachable/";
        });
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("unreachable");

        var act = () => client.GetAsync("/").WaitAsync(TimeSpan.FromSeconds(20));

        var error = (await act.Should().ThrowAsync<NoAvailableEndpointException>()).Which;
        error.Message.Should().Contain("etcd:/services/unreachable/").And.Contain($"127.0.0.1:{closed}").And.Contain("unreachable");
    }

    [Fact]
    public async Task RegisterAsync_InvalidArguments_ListsEveryProblem()
    {
        var act = () => EtcdRegistration.RegisterAsync(
            new EtcdClientOptions(),
            "/services/catalog",
            new EtcdInstance { Address = "ftp://127.0.0.1:1", Weight = 0, Id = "a/b" },
            TimeSpan.FromMilliseconds(10));

        var message = (await act.Should().ThrowAsync<ArgumentException>()).Which.Message;
        message.Should().Contain("Endpoints").And.Contain("Prefix '/services/catalog' does not end with '/'")
            .And.Contain("Address 'ftp://127.0.0.1:1'").And.Contain("Weight '0'").And.Contain("Id 'a/b'").And.Contain("Ttl '00:00:00.0100000'");
    }

    [Fact]
    public async Task RegisterAsync_HttpClientWithoutBaseAddress_Fails()
    {
        using var http = new HttpClient();

        var act = () => EtcdRegistration.RegisterAsync(http, "/services/catalog/", new EtcdInstance { Address = "http://127.0.0.1:1" }, TimeSpan.FromSeconds(5));

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*BaseAddress*");
    }

    [Fact]
    public async Task RegisterAsync_EtcdUnreachable_ThrowsEtcdExceptionNamingTheMember()
    {
        var closed = ClosedPort();

        var act = () => EtcdRegistration.RegisterAsync(
            new EtcdClientOptions { Endpoints = [new Uri($"http://127.0.0.1:{closed}")] },
            "/services/catalog/",
            new EtcdInstance { Address = "http://127.0.0.1:1" },
            TimeSpan.FromSeconds(5));

        (await act.Should().ThrowAsync<EtcdException>()).Which.Message.Should().Contain($"127.0.0.1:{closed}");
    }

    internal static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public void FleetValidation_EveryError_NamesClientFieldAndValue()
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient("catalog", o => o.AddEndpoint("http://127.0.0.1:5001")).AddEtcdFleet(o =>
        {
            o.Endpoints = [new Uri("http://127.0.0.1:2379")];
            o.Prefix = "/balancer/fleets/catalog";
            o.MemberId = "pod 7/x";
            o.ApertureSize = 0;
            o.MemberTtl = TimeSpan.FromMilliseconds(500);
        });
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptionsMonitor<EtcdFleetOptions>>().Get("catalog");

        var failures = act.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
        failures.Should().HaveCount(4);
        failures.Should().Contain(f => f.Contains("'catalog': EtcdFleet.Prefix '/balancer/fleets/catalog' does not end with '/'", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("EtcdFleet.MemberId 'pod 7/x' is not a member id", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("EtcdFleet.ApertureSize '0' is out of range", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("EtcdFleet.MemberTtl '00:00:00.5000000' is out of range", StringComparison.Ordinal));
    }

    private static ServiceProvider Build(string name, Action<EtcdEndpointSourceOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient(name, o => o.EndpointSources.InitialTimeout = TimeSpan.FromSeconds(10)).AddEtcdEndpoints(configure);
        return services.BuildServiceProvider();
    }
}
