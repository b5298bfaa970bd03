using System.Net;
using Balancer.Client.Resilience;

namespace Balancer.Client.Tests.Resilience;

public class TransientFailureTests
{
    [Theory]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(404, false)]
    [InlineData(400, false)]
    [InlineData(200, false)]
    public void IsTransient_Status_SameRuleForRetryAndHedging(int status, bool expected) =>
        TransientFailure.IsTransient((HttpStatusCode)status).Should().Be(expected);

    [Fact]
    public void IsTransient_Exception_NotForNoEndpointOrTheCallersCancellation()
    {
        using var canceled = new CancellationTokenSource();
        canceled.Cancel();
        var noEndpoint = new NoAvailableEndpointException("c", NoAvailableEndpointReason.AllTried, "all tried");

        TransientFailure.IsTransient(new HttpRequestException("reset"), CancellationToken.None).Should().BeTrue();
        TransientFailure.IsTransient(noEndpoint, CancellationToken.None).Should().BeFalse();
        TransientFailure.IsTransient(new TaskCanceledException(), canceled.Token).Should().BeFalse();
    }

    [Theory]
    [InlineData(429, null, true)]
    [InlineData(503, 2, true)]
    [InlineData(503, null, false)]
    [InlineData(200, 2, false)]
    public void IsBackPressure_429OrATransientStatusWithRetryAfter(int status, int? retryAfterSeconds, bool expected)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);
        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        }

        TransientFailure.IsBackPressure(response).Should().Be(expected);
    }
}
