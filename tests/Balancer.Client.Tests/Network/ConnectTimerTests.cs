using Balancer.Client.Endpoints;
using Balancer.Client.Network;

namespace Balancer.Client.Tests.Network;

public class ConnectTimerTests
{
    private static readonly Func<BalancerEndpoint[]> s_none = () => [];

    [Fact]
    public void TryInstall_SocketsHttpHandler_WrapsItsCallbackOnce()
    {
        using var handler = new SocketsHttpHandler();

        ConnectTimer.TryInstall(handler, s_none, TimeProvider.System).Should().BeTrue();
        var wrapped = handler.ConnectCallback;
        ConnectTimer.TryInstall(handler, s_none, TimeProvider.System).Should().BeTrue();

        wrapped!.Target.Should().BeOfType<ConnectTimer>();
        handler.ConnectCallback.Should().BeSameAs(wrapped, "a handler shared by several chains is wrapped only once");
    }

    [Fact]
    public void TryInstall_OtherHandler_LeavesItAlone()
    {
        using var handler = new HttpClientHandler();

        ConnectTimer.TryInstall(handler, s_none, TimeProvider.System).Should().BeFalse();
        ConnectTimer.TryInstall(null, s_none, TimeProvider.System).Should().BeFalse();
    }
}
