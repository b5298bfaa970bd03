using Balancer.Client.Etcd.Internal;

namespace Balancer.Client.Etcd.Tests;

/// <summary>Values written by someone else, and a cluster with authentication and TLS, against a real etcd.</summary>
[Collection(EtcdTestGroup.Name)]
public sealed class EtcdSecurityTests
{
    private static readonly TimeSpan s_waitLimit = EtcdClients.WaitLimit;

    [SkippableFact]
    public async Task HostileValues_OutsideAllowedHostsOrDowngradingHttps_LeftOutAndLoggedWithTheirKey()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(2);
        const string prefix = "/services/hostile/";
        await etcd.PutAsync(prefix + "a", cluster[0].Address.ToString());
        await etcd.PutAsync(prefix + "b", $"localhost:{cluster[1].Port}"); // reachable, but not an allowed host
        await using var provider = EtcdClients.Build("hostile", prefix, [etcd.ClientUrl], client: o => o.EndpointSources.AllowedHosts = ["127.0.0.1"]);
        var client = provider.CreateClient("hostile");

        for (var i = 0; i < 20; i++)
        {
            (await client.GetAsync("/")).EnsureSuccessStatusCode();
        }

        cluster[0].RequestsReceived.Should().Be(20);
        cluster[1].RequestsReceived.Should().Be(0);
        provider.Logs(103).Select(r => r.Message).Should().ContainSingle().Which.Should()
            .Contain("'hostile'").And.Contain("etcd key '/services/hostile/b' has value 'localhost:")
            .And.Contain("has host 'localhost', which matches none of EndpointSources.AllowedHosts");

        // A source configured for https: an http value is refused with its key, a bare host:port becomes https.
        const string securePrefix = "/services/hostile-tls/";
        await etcd.PutAsync(securePrefix + "plain", cluster[0].Address.ToString());
        await using var secure = EtcdClients.Build("hostile-tls", securePrefix, [etcd.ClientUrl], source: o => o.Scheme = "https");
        var act = () => secure.CreateClient("hostile-tls").GetAsync("/").WaitAsync(s_waitLimit);

        await act.Should().ThrowAsync<NoAvailableEndpointException>();
        cluster[0].RequestsReceived.Should().Be(20, "the downgraded value got no request");
        secure.Logs(100).Select(r => r.Message).Should().ContainSingle().Which.Should()
            .Contain("etcd key '/services/hostile-tls/plain'").And.Contain("never downgrades");
    }

    [SkippableFact]
    public async Task Auth_Credentials_FollowRegistrations_WrongPasswordSaysWhy_RestartedMemberAuthenticatedAgain()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(2);
        await etcd.EnableAuthAsync("root-pw");
        const string prefix = "/services/auth/";
        var options = etcd.ClientOptions("root", "root-pw");
        await using var registration = await EtcdRegistration.RegisterAsync(options, prefix, new EtcdInstance { Address = cluster[0].Address.ToString() }, TimeSpan.FromSeconds(30));
        await using var provider = EtcdClients.Build("auth", prefix, [etcd.ClientUrl], source: o => (o.Username, o.Password) = ("root", "root-pw"));
        await using var wrong = EtcdClients.Build("auth-wrong", prefix, [etcd.ClientUrl], source: o => (o.Username, o.Password) = ("root", "not-it"));
        await using var anonymous = EtcdClients.Build("auth-none", prefix, [etcd.ClientUrl]);

        (await provider.CreateClient("auth").GetAsync("/")).EnsureSuccessStatusCode();
        var refused = () => wrong.CreateClient("auth-wrong").GetAsync("/").WaitAsync(s_waitLimit);
        (await refused.Should().ThrowAsync<NoAvailableEndpointException>()).Which.Message.Should().Contain("authentication failed");
        var unauthenticated = () => anonymous.CreateClient("auth-none").GetAsync("/").WaitAsync(s_waitLimit);
        await unauthenticated.Should().ThrowAsync<NoAvailableEndpointException>();
        cluster[0].RequestsReceived.Should().Be(1);

        // A member that forgot its tokens (expired, auth turned off and on): the next call authenticates again instead of failing.
        using var http = new HttpClient();
        var gateway = new EtcdGateway(http, [etcd.ClientUrl], TimeSpan.FromSeconds(10), "root", "root-pw");
        var key = EtcdKeys.Encode(prefix + "b");
        await gateway.PutAsync(key, System.Text.Encoding.UTF8.GetBytes(cluster[1].Address.ToString()), 0, CancellationToken.None);
        await etcd.ReenableAuthAsync("root-pw");
        var read = await gateway.RangeAsync(key, [.. key, 0], CancellationToken.None);
        read.Kvs.Should().ContainSingle();
    }

    [SkippableFact]
    public async Task Tls_TrustedCaAndClientCertificate_WithAuth_FollowRegistrations_StrangersRefused()
    {
        using var certificates = TestCertificates.Create();
        await using var etcd = await EtcdServer.StartAsync(certificates);
        await using var cluster = await BackendCluster.StartAsync(1);
        await etcd.EnableAuthAsync("root-pw");
        const string prefix = "/services/tls/";
        await using var registration = await EtcdRegistration.RegisterAsync(etcd.ClientOptions("root", "root-pw"), prefix, new EtcdInstance { Address = cluster[0].Address.ToString() }, TimeSpan.FromSeconds(30));
        await using var provider = EtcdClients.Build("tls", prefix, [etcd.ClientUrl], source: o =>
        {
            o.TrustedCaFile = certificates.CaFile;
            o.ClientCertificateFile = certificates.ClientCertificateFile;
            o.ClientKeyFile = certificates.ClientKeyFile;
            (o.Username, o.Password) = ("root", "root-pw");
        });
        await using var stranger = EtcdClients.Build("tls-stranger", prefix, [etcd.ClientUrl], source: o =>
        {
            o.TrustedCaFile = certificates.CaFile;
            o.ClientCertificateFile = certificates.StrangerCertificateFile;
            o.ClientKeyFile = certificates.StrangerKeyFile;
            (o.Username, o.Password) = ("root", "root-pw");
        });
        await using var untrusting = EtcdClients.Build("tls-untrusting", prefix, [etcd.ClientUrl], source: o => (o.Username, o.Password) = ("root", "root-pw"));

        (await provider.CreateClient("tls").GetAsync("/")).EnsureSuccessStatusCode();
        var strangerCall = () => stranger.CreateClient("tls-stranger").GetAsync("/").WaitAsync(s_waitLimit);
        await strangerCall.Should().ThrowAsync<NoAvailableEndpointException>();
        var untrustingCall = () => untrusting.CreateClient("tls-untrusting").GetAsync("/").WaitAsync(s_waitLimit);
        (await untrustingCall.Should().ThrowAsync<NoAvailableEndpointException>()).Which.Message.Should().Contain("SSL");
        cluster[0].RequestsReceived.Should().Be(1);
    }
}
