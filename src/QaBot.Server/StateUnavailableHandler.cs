using Microsoft.AspNetCore.Diagnostics;
using QaBot.State;

namespace QaBot.Server;

/// <summary>
/// A request that needs the shared state while Redis is unreachable gets 503 with the reason, not a 500 with a stack
/// trace; the outage itself is logged once by the connection (see <see cref="StateServiceCollectionExtensions"/>).
/// </summary>
internal sealed partial class StateUnavailableHandler(IProblemDetailsService problems, ILogger<StateUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!StateUnavailable.Is(exception)) return false;
        LogUnavailable(logger, context.Request.Path, exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = "Shared state unavailable", Detail = "The state store (Redis) cannot be reached; try again in a moment." },
        });
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Path} answered 503: the state store is unavailable ({Reason})")]
    private static partial void LogUnavailable(ILogger logger, string path, string reason);
}
