using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace QaBot.Logging;

/// <summary>
/// One console line per log entry, with every control character of the message escaped (<c>\r</c>, <c>\n</c>,
/// <c>\e</c>, <c>\0</c>, <c>\u0007</c>…). Messages carry ids, paths and reasons that users and files choose; written
/// raw, a CR/LF forges a log line and an ESC sequence rewrites the operator's terminal. Structured exporters (OTLP)
/// keep values as separate fields and need no escaping.
/// </summary>
public sealed class EscapingConsoleFormatter(IOptionsMonitor<SimpleConsoleFormatterOptions> options) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "qabot";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        var o = options.CurrentValue;
        var line = new StringBuilder();
        if (o.TimestampFormat is { } format)
            line.Append((o.UseUtcTimestamp ? DateTimeOffset.UtcNow : DateTimeOffset.Now).ToString(format, CultureInfo.InvariantCulture));
        line.Append(Level(logEntry.LogLevel)).Append(": ").Append(logEntry.Category).Append('[').Append(logEntry.EventId.Id).Append("] ");
        AppendEscaped(line, message);
        if (logEntry.Exception is { } exception)
        {
            // The stack trace keeps its lines, each indented, so no line of it can pass for an entry of its own.
            var lines = IsRemoteFailure(exception) && logEntry.LogLevel > LogLevel.Debug
                ? [Reasons(exception)]
                : exception.ToString().ReplaceLineEndings("\n").Split('\n');
            foreach (var exceptionLine in lines) AppendEscaped(line.Append("\n    "), exceptionLine);
        }
        textWriter.Write(line.Append('\n'));
    }

    /// <summary><paramref name="text"/> with control characters written as escapes, so it stays on one line and inert.</summary>
    public static void AppendEscaped(StringBuilder builder, string text)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '\r': builder.Append(@"\r"); break;
                case '\n': builder.Append(@"\n"); break;
                case '\t': builder.Append(@"\t"); break;
                case '\u001b': builder.Append(@"\e"); break;
                case '\0': builder.Append(@"\0"); break;
                case '\\': builder.Append(@"\\"); break;
                default:
                    if (char.IsControl(c) || c is '\u2028' or '\u2029') builder.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else builder.Append(c);
                    break;
            }
        }
    }

    /// <summary>
    /// A remote service that refused, timed out, answered an error or is behind an open circuit: an operating condition,
    /// not a bug. Its stack trace is the HTTP or Redis client's internals and came once per retry, so such entries keep
    /// only the reasons; Debug entries (verbose runs, where every attempt is logged) keep the trace.
    /// </summary>
    private static bool IsRemoteFailure(Exception exception) =>
        exception is HttpRequestException or System.Net.Sockets.SocketException or Polly.Timeout.TimeoutRejectedException
            or Polly.CircuitBreaker.BrokenCircuitException or System.ClientModel.ClientResultException or StackExchange.Redis.RedisException;

    /// <summary>"HttpRequestException: Connection refused (host:port) ---> SocketException: Connection refused".</summary>
    private static string Reasons(Exception exception)
    {
        var reasons = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException) reasons.Add($"{e.GetType().Name}: {e.Message}");
        return string.Join(" ---> ", reasons);
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}

public static class QaBotLoggingExtensions
{
    /// <summary>The console logger with <see cref="EscapingConsoleFormatter"/>: one line per entry, control characters escaped.</summary>
    public static ILoggingBuilder AddQaBotConsole(this ILoggingBuilder logging, Action<ConsoleLoggerOptions>? configure = null) =>
        logging.AddConsole(o =>
        {
            o.FormatterName = EscapingConsoleFormatter.FormatterName;
            configure?.Invoke(o);
        }).AddConsoleFormatter<EscapingConsoleFormatter, SimpleConsoleFormatterOptions>();
}
