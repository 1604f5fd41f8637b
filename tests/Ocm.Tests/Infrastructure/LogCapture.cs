using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ocm.Tests.Infrastructure;

/// <summary>
/// Records what a test server logs (at the levels its configuration lets through, Warning and up by default), so a
/// test can assert on the reason an operator would read. Pass <see cref="Register"/> as <c>configureServices</c>.
/// </summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public void Register(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(this);

    /// <summary>Messages of <paramref name="category"/> (e.g. <c>Ocm.Signatures.OcmRequestAuthentication</c>) containing <paramref name="text"/>.</summary>
    public IReadOnlyList<LogEntry> Find(string category, string text) =>
        [.. _entries.Where(e => e.Category == category && e.Message.Contains(text, StringComparison.Ordinal))];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}

internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);
