using Balancer.Client.Endpoints;

namespace Balancer.Client.Tests.Endpoints;

public class EndpointValidationTests
{
    [Fact]
    public void Collect_KeepsTheValidEndpoints_AndNamesEachBadOne()
    {
        var errors = new List<string>();
        var output = new List<EndpointDefinition>();
        BalancerEndpointOptions?[] input =
        [
            new() { Address = "http://10.0.0.1:8080", Weight = 3, Zone = "eu-1a" },
            new() { Address = "HTTP://10.0.0.1:8080/" },
            null,
            new() { Address = "http://10.0.0.2:8080", Weight = 0, Priority = -1 },
        ];

        EndpointValidation.Collect(input, "endpoints", (field, value, problem) => errors.Add($"{field} '{value}' {problem}"), output);

        errors.Should().Equal(
            "endpoints[1].Address 'HTTP://10.0.0.1:8080/' duplicates endpoints[0].Address; each address may appear once",
            "endpoints[2] '' is null",
            "endpoints[3].Weight '0' is out of range; allowed from 1 to 100",
            "endpoints[3].Priority '-1' is negative; 0 is the most preferred tier");
        output.Should().ContainSingle().Which.Should().Be(new EndpointDefinition(new Uri("http://10.0.0.1:8080/"), 3, "eu-1a", null));
    }

    [Fact]
    public void Validate_EndpointSources_NamesTheTimeoutAndTheScheme()
    {
        var errors = new List<string>();
        var options = new EndpointSourceOptions { InitialTimeout = TimeSpan.FromMinutes(6), AllowedSchemes = ["https", "tcp"] };

        EndpointValidation.Validate(options, (field, value, problem) => errors.Add($"{field} '{value}' {problem}"));

        errors.Should().Equal(
            "EndpointSources.InitialTimeout '00:06:00' is out of range; allowed from 00:00:00 to 00:05:00",
            "EndpointSources.AllowedSchemes[1] 'tcp' is not supported; use 'http' or 'https'");
    }
}
