using System.Net.Http.Json;
using Balancer.Client.Resilience;

namespace Balancer.Client.Tests.Resilience;

public class RequestSafetyTests
{
    [Theory]
    [InlineData("GET", true, true)]
    [InlineData("HEAD", true, true)]
    [InlineData("OPTIONS", true, true)]
    [InlineData("TRACE", true, true)]
    [InlineData("PUT", true, false)]
    [InlineData("DELETE", true, false)]
    [InlineData("POST", false, false)]
    [InlineData("PATCH", false, false)]
    [InlineData("PURGE", false, false)]
    public void IsIdempotent_And_IsSafe_FollowRfc9110(string method, bool idempotent, bool safe)
    {
        RequestSafety.IsIdempotent(new HttpMethod(method)).Should().Be(idempotent);
        RequestSafety.IsSafe(new HttpMethod(method)).Should().Be(safe);
    }

    [Fact]
    public void IsReplayable_BufferedContentYes_StreamsNo()
    {
        RequestSafety.IsReplayable(null).Should().BeTrue();
        RequestSafety.IsReplayable(new StringContent("x")).Should().BeTrue();
        RequestSafety.IsReplayable(new ByteArrayContent([1, 2])).Should().BeTrue();
        RequestSafety.IsReplayable(JsonContent.Create(new { a = 1 })).Should().BeTrue();
        RequestSafety.IsReplayable(new MultipartFormDataContent { new StringContent("a") }).Should().BeTrue();
        RequestSafety.IsReplayable(new StreamContent(new MemoryStream([1]))).Should().BeFalse();
        RequestSafety.IsReplayable(new MultipartFormDataContent { new StreamContent(new MemoryStream([1])) }).Should().BeFalse();
    }
}
