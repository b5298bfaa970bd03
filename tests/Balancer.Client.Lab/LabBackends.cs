using Microsoft.AspNetCore.Builder;
using System.Diagnostics;
using Balancer.Client.Testing;

namespace Balancer.Client.Lab;

/// <summary>The scripted HTTP backends of one run, started fresh on 127.0.0.1.</summary>
internal sealed class LabBackends : LabBackendSet
{
    private readonly ScriptedBackend[] _backends;

    private LabBackends(ScriptedBackend[] backends, long[] createdAt)
        : base([.. backends.Select(b => b.Name)], createdAt) => _backends = backends;

    public IReadOnlyList<ScriptedBackend> Backends => _backends;

    public static async Task<LabBackends> StartAsync(LabPlan plan, int seed, int requestLogCapacity = 10_000, bool loadReports = false)
    {
        var starts = new Task<ScriptedBackend>[plan.Backends.Count];
        var createdAt = new long[starts.Length];
        for (var i = 0; i < starts.Length; i++)
        {
            var behavior = new BackendBehavior();
            plan.Backends[i].ApplyTo(behavior);

            // A backend counts its stall windows from its creation, which happens synchronously inside StartAsync:
            // remember a time just before it (microseconds early).
            createdAt[i] = Stopwatch.GetTimestamp();
            starts[i] = ScriptedBackend.StartAsync(new BackendOptions { Name = plan.Backends[i].Name, Behavior = behavior, Seed = unchecked((seed * 7919) + i), RequestLogCapacity = requestLogCapacity, ConfigurePipeline = loadReports ? static app => app.UseBalancerLoadReports() : null });
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

        var backends = starts.Select(s => s.Result).ToArray();
        return new LabBackends(backends, createdAt);
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
