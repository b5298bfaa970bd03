using Microsoft.Extensions.Logging;

namespace Balancer.Client.Dns.Tests.Infrastructure;

/// <summary>One log entry.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, EventId Id, string Message, Exception? Exception);

/// <summary>A logger provider that keeps every entry and lets a test wait for one.</summary>
internal sealed class LogRecorder : ILoggerProvider
{
    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(20);
    private readonly object _lock = new();
    private readonly List<LogEntry> _entries = [];
    private readonly List<(Func<LogEntry, bool> Match, TaskCompletionSource<LogEntry> Done)> _waiters = [];

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Completes with the first entry, logged before or after this call, that matches.</summary>
    public Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match)
    {
        lock (_lock)
        {
            var found = _entries.Find(e => match(e));
            if (found is not null)
            {
                return Task.FromResult(found);
            }

            var done = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task.WaitAsync(s_waitLimit);
        }
    }

    /// <summary>Completes with the first entry logged after this call that matches.</summary>
    public Task<LogEntry> WaitForNextAsync(Func<LogEntry, bool> match)
    {
        lock (_lock)
        {
            var done = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task.WaitAsync(s_waitLimit);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        lock (_lock)
        {
            _entries.Add(entry);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(entry))
                {
                    _waiters[i].Done.TrySetResult(entry);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private sealed class Logger(LogRecorder recorder, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            recorder.Add(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
