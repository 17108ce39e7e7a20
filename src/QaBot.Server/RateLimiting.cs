using System.Globalization;
using System.Threading.RateLimiting;
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
        // Validated with the rest of the section at start-up (AddQaBot); read here because the limiter is built now.
        var perSecond = Math.Max(1, (builder.Configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions()).RequestsPerClientPerSecond);
        builder.Services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perSecond, Window = TimeSpan.FromSeconds(1) }));
            o.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                    detail: "This client is sending requests faster than the bot accepts them; retry after the Retry-After delay.").ExecuteAsync(http);
            };
        });
        return builder;
    }
}
