using System.Diagnostics;
using Balancer.Client.Testing;

namespace Balancer.Client.Lab.Grpc;

/// <summary>The gRPC servers of one run, started fresh on 127.0.0.1 from the plan's backends, as the HTTP lab starts its scripted backends.</summary>
internal sealed class GrpcLabBackends : LabBackendSet
{
    private readonly GrpcLabBackend[] _backends;

    private GrpcLabBackends(GrpcLabBackend[] backends, long[] createdAt)
        : base([.. backends.Select(b => b.Name)], createdAt) => _backends = backends;

    public IReadOnlyList<GrpcLabBackend> Backends => _backends;

    public static async Task<GrpcLabBackends> StartAsync(LabPlan plan, int seed)
    {
        var starts = new Task<GrpcLabBackend>[plan.Backends.Count];
        var createdAt = new long[starts.Length];
        for (var i = 0; i < starts.Length; i++)
        {
            var behavior = new BackendBehavior();
            plan.Backends[i].ApplyTo(behavior);

            // Same seeds as the HTTP lab's backends, and the same epoch for stall windows (the state's creation).
            createdAt[i] = Stopwatch.GetTimestamp();
            starts[i] = GrpcLabBackend.StartAsync(new BackendOptions { Name = plan.Backends[i].Name, Behavior = behavior, Seed = unchecked((seed * 7919) + i), RequestLogCapacity = 0 });
        }

        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            await Task.WhenAll(starts.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result.DisposeAsync().AsTask())).ConfigureAwait(false);
            throw;
        }

        return new GrpcLabBackends([.. starts.Select(s => s.Result)], createdAt);
    }

    public override BackendBehavior BehaviorOf(int index) => _backends[index].Behavior;

    public override bool IsRunning(int index) => _backends[index].IsRunning;

    public override int QueueLength(int index) => _backends[index].QueueLength;

    public override long[] ReceivedCounts() => [.. _backends.Select(b => b.RequestsReceived)];

    protected override Task StopAsync(int index) => _backends[index].StopAsync();

    protected override Task RestartAsync(int index) => _backends[index].RestartAsync();

    public override async ValueTask DisposeAsync() =>
        await Task.WhenAll(_backends.Select(b => b.DisposeAsync().AsTask())).ConfigureAwait(false);
}
