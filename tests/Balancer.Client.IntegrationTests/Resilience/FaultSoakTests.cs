using System.Diagnostics;
using Balancer.Client.Feedback;
using Balancer.Client.Inspection;
using Microsoft.Extensions.Configuration;

namespace Balancer.Client.IntegrationTests.Resilience;

/// <summary>
/// The short version of the lab's fault soak (<c>--soak</c>): the default client with <c>AddBalancerRetry()</c> under
/// a scripted mix of faults on real backends — a kill and a restart on the same port, a 503 burst, a 429 storm with
/// Retry-After, a black hole — while its endpoints are reloaded all the time. The faults are triggered by request
/// counts, not by the clock, so every run sees the same sequence; the assertions are counts, not timings.
/// </summary>
[Collection(LoadSensitiveGroup.Name)]
public sealed class FaultSoakTests
{
    private const string Name = "soak";
    private const int Requests = 1500;
    private const int Workers = 6;

    [Fact]
    public async Task Soak_ScriptedFaultsAndReloads_NoGetLostNoPostTwiceFewExtraAttemptsNothingLeftInFlight()
    {
        await using var cluster = await BackendCluster.StartAsync(5, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(2));
        var source = new MutableConfigurationSource(Settings(cluster, 0));
        var config = new ConfigurationBuilder().Add(source).Build();
        var attempts = new AttemptLog();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(config);
        services.AddBalancedHttpClient(Name)
            .AddFeedbackObserver(_ => attempts)
            .AddBalancerRetry();
        await using var provider = services.BuildServiceProvider();
        var client = provider.CreateClient(Name);

        var next = 0;
        var failedGets = 0;
        var failedPosts = 0;
        var posts = 0;
        var faults = new FaultScript(cluster);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var reloading = new CancellationTokenSource();
        var reloads = ReloadAsync(source, config, cluster, reloading.Token);
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var n && n <= Requests && !limit.IsCancellationRequested)
            {
                await faults.AtAsync(n);
                var post = n % 5 == 0;
                try
                {
                    using var response = post
                        ? await client.PostAsync("/soak", new StringContent($"post-{n}"), limit.Token)
                        : await client.GetAsync("/soak", limit.Token);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref post ? ref failedPosts : ref failedGets);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref post ? ref failedPosts : ref failedGets);
                }

                if (post)
                {
                    Interlocked.Increment(ref posts);
                }
            }
        }));
        await reloading.CancelAsync();
        await reloads;

        failedGets.Should().Be(0, "a GET is retried on another endpoint whatever one endpoint does (some endpoint is always up)");
        var bodies = cluster.SelectMany(b => b.Received).Where(r => r.Method == "POST").GroupBy(r => r.BodySha256).ToList();
        bodies.Where(g => g.Count() > 1).Should().BeEmpty("a POST that may have reached a server is never resent without an opt-in");
        bodies.Count.Should().BeGreaterThan(posts - failedPosts - 1, "every POST that succeeded reached exactly one backend");
        var extra = attempts.Count - Requests;
        extra.Should().BeLessThanOrEqualTo((int)(0.2 * Requests) + 10, "retries draw on the budget: 20 % of requests plus 10 per window");
        // The restarted backend comes back after a reconnect check (1 s, then backing off), which a fast run can end
        // before: keep sending GETs, bounded, until it has served one (nothing above counts these).
        var waiting = Stopwatch.StartNew();
        while (cluster[1].RequestsReceived <= faults.ReceivedByRestartedAtRestart && waiting.Elapsed < TimeSpan.FromSeconds(20))
        {
            using var response = await client.GetAsync("/soak/after");
        }

        cluster[1].RequestsReceived.Should().BeGreaterThan(faults.ReceivedByRestartedAtRestart, "the restarted backend gets traffic again");
        var snapshot = provider.GetRequiredService<IBalancerInspector>().GetSnapshot(Name);
        snapshot!.Endpoints.Should().OnlyContain(e => e.InFlight == 0, "every attempt left the in-flight count");
        attempts.PostRetriesAfterAnswer.Should().Be(0, "a POST is retried only when its connection was refused, never after it may have reached a server");
    }

    private static async Task ReloadAsync(MutableConfigurationSource source, IConfigurationRoot config, BackendCluster cluster, CancellationToken cancellationToken)
    {
        // The same set in another order every 100 ms (DNS round robin), and every fifth reload one weight changed.
        for (var round = 1; !cancellationToken.IsCancellationRequested; round++)
        {
            source.Remove($"Balancer:Clients:{Name}");
            foreach (var (key, value) in Settings(cluster, round))
            {
                source.Set(key, value);
            }

            config.Reload();
            try
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static Dictionary<string, string?> Settings(BackendCluster cluster, int round)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            [$"Balancer:Clients:{Name}:AttemptTimeout"] = "00:00:00.500",
        };
        for (var i = 0; i < cluster.Count; i++)
        {
            var backend = cluster[(i + round) % cluster.Count];
            settings[$"Balancer:Clients:{Name}:Endpoints:{i}:Address"] = backend.Address.ToString();
            if (round % 5 == 4 && backend == cluster[0])
            {
                settings[$"Balancer:Clients:{Name}:Endpoints:{i}:Weight"] = "2";
            }
        }

        return settings;
    }

    /// <summary>Counts attempts, and the POST attempts that followed one which may have reached a server.</summary>
    private sealed class AttemptLog : IFeedbackObserver
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<HttpRequestMessage, bool> _postsThatMayHaveArrived = new();
        private int _count;
        private int _postRetriesAfterAnswer;

        public int Count => Volatile.Read(ref _count);

        public int PostRetriesAfterAnswer => Volatile.Read(ref _postRetriesAfterAnswer);

        public void OnAttemptCompleted(in AttemptFeedback feedback)
        {
            Interlocked.Increment(ref _count);
            if (feedback.Request.Method != HttpMethod.Post)
            {
                return;
            }

            if (feedback.AttemptNumber > 1 && _postsThatMayHaveArrived.ContainsKey(feedback.Request))
            {
                Interlocked.Increment(ref _postRetriesAfterAnswer);
            }

            var refused = feedback.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };
            if (!refused && feedback.Outcome != AttemptOutcome.Canceled)
            {
                _postsThatMayHaveArrived[feedback.Request] = true;
            }
        }
    }

    /// <summary>The faults, each switched on or off by the worker whose request number reaches its step.</summary>
    private sealed class FaultScript(BackendCluster cluster)
    {
        public long ReceivedByRestartedAtRestart { get; private set; }

        public async Task AtAsync(int request)
        {
            switch (request)
            {
                case 200:
                    await cluster[1].StopAsync();                         // killed under load
                    break;
                case 500:
                    ReceivedByRestartedAtRestart = cluster[1].RequestsReceived;
                    await cluster[1].RestartAsync();                      // back on the same port
                    break;
                case 600:
                    cluster[2].Behavior.FailureRate = 1;                  // a 503 burst
                    break;
                case 800:
                    cluster[2].Behavior.FailureRate = 0;
                    break;
                case 700:
                    cluster[3].Behavior.FailureStatusCode = 429;          // a 429 storm with Retry-After
                    cluster[3].Behavior.RetryAfter = TimeSpan.FromSeconds(2);
                    cluster[3].Behavior.FailureRate = 1;
                    break;
                case 1000:
                    cluster[3].Behavior.FailureRate = 0;
                    break;
                case 900:
                    cluster[4].Behavior.BlackHole = true;                 // accepts and never answers
                    break;
                case 1100:
                    cluster[4].Behavior.BlackHole = false;
                    break;
            }
        }
    }
}
