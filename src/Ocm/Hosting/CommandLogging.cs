namespace Ocm.Hosting;

/// <summary>
/// Logging for commands that build the server's services without serving (<see cref="OfflineHost"/>): its console log
/// lines would mix with what the command prints, so only errors are shown, each as one <c>error:</c> line on standard
/// error — the way commands report their own failures.
/// </summary>
internal static class CommandLogging
{
    /// <summary>Replaces the server's console logging; pass it where <see cref="OcmServer.Build"/> takes service changes.</summary>
    public static void Apply(IServiceCollection services) => services.AddLogging(logging =>
    {
        logging.ClearProviders();
        logging.AddProvider(new ErrorLineLoggerProvider());
    });

    private sealed class ErrorLineLoggerProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ErrorLineLogger();

        public void Dispose()
        {
        }
    }

    private sealed class ErrorLineLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += ": " + exception.Message;
            }

            Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
        }
    }
}
