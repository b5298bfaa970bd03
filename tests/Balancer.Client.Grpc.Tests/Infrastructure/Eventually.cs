namespace Balancer.Client.Grpc.Tests.Infrastructure;

/// <summary>Waits, bounded, for a condition on counters or inspection that no event announces.</summary>
public static class Eventually
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(20);

    /// <summary>Polls <paramref name="condition"/>, running <paramref name="between"/> (traffic, say) between polls; throws after 20 s.</summary>
    public static async Task UntilAsync(Func<bool> condition, Func<Task>? between = null)
    {
        using var timeout = new CancellationTokenSource(s_limit);
        while (!condition())
        {
            if (between is not null)
            {
                await between();
            }

            await Task.Delay(10, timeout.Token);
        }
    }
}
