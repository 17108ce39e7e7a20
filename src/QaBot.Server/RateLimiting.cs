using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using QaBot.Configuration;

namespace QaBot.Server;

public static class RateLimitingExtensions
{
    /// <summary>
    /// ASP.NET Core's rate limiter: a ceiling of requests per client address per second for every endpoint (flood
    /// protection; questions are also limited per conversation and user by the answering service), plus the policies
    /// channels attach to their own endpoints. Refusals are 429 ProblemDetails with Retry-After.
    /// </summary>
    public static WebApplicationBuilder AddQaBotRateLimiting(this WebApplicationBuilder builder)
    {
        builder.Services.AddRateLimiter(o => o.OnRejected = async (context, cancellationToken) =>
        {
            var http = context.HttpContext;
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                detail: "This client is sending requests faster than the bot accepts them; retry after the Retry-After delay.").ExecuteAsync(http);
        });
        // The ceiling is read from the validated options when the limiter is first built, after the start-up check, so a
        // bad value is reported as one line naming the key like any other (AddQaBot validates the section).
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((o, limits) =>
        {
            var perSecond = limits.Value.RequestsPerClientPerSecond;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perSecond, Window = TimeSpan.FromSeconds(1) }));
        });
        return builder;
    }
}
