using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using QaBot.Feedback;
using QaBot.State;

namespace QaBot.Channels.Slack;

public static partial class SlackChannelExtensions
{
    // Per attempt; the retries (with Retry-After waits) come on top.
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(15);

    public static IServiceCollection AddSlackChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddQaBotOptions<SlackOptions>(configuration, SlackOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SlackSignatureVerifier>();
        services.AddSingleton<RecentSlackEvents>();
        services.AddSingleton<ISlackEventLog>(sp => sp.Choose<ISlackEventLog, RecentSlackEvents, RedisSlackEvents>());
        services.AddSingleton<SlackEventsEndpoint>();
        services.AddSingleton<SlackInteractivityEndpoint>();
        services.OpenFeedbackStoreAtStart();
        services.AddSingleton<SlackApiClient>();
        services.AddSingleton<SlackBotIdentityProvider>();
        services.AddSingleton<SlackResponder>();
        services.AddHostedService(sp => sp.GetRequiredService<SlackResponder>());

        services.AddHttpClient(SlackApiClient.HttpClientName, (sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<SlackOptions>>().Value;
                var baseUrl = options.ApiBaseUrl.AbsoluteUri;
                // Method names are relative ("chat.postMessage"); without the slash the last segment would be replaced.
                http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.BotToken);
            })
            .AddResilienceHandler("slack", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<SlackOptions>>().Value;
                var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SlackApiClient).FullName!);
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    // The default predicate covers 429, 5xx, 408 and network failures; a 429's Retry-After sets the wait.
                    MaxRetryAttempts = options.MaxRetries,
                    ShouldRetryAfterHeader = true,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromSeconds(1),
                    OnRetry = args =>
                    {
                        LogRetry(logger, args.Outcome.Result?.RequestMessage?.RequestUri?.AbsolutePath, (int?)args.Outcome.Result?.StatusCode,
                            args.RetryDelay.TotalSeconds, args.AttemptNumber + 1, args.Outcome.Exception);
                        return default;
                    },
                });
                pipeline.AddTimeout(AttemptTimeout);
            });
        return services;
    }

    public static IEndpointRouteBuilder MapSlackChannel(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<SlackOptions>>().Value;
        if (options.IsEnabled)
        {
            // Routing hands the limit to the server, which refuses a longer body (even a chunked one) as it is read.
            var sizeLimit = new RequestSizeLimitAttribute(options.MaxRequestBytes);
            endpoints.MapPost(SlackEventsEndpoint.Path, (HttpContext context, SlackEventsEndpoint endpoint) => endpoint.HandleAsync(context)).WithMetadata(sizeLimit);
            endpoints.MapPost(SlackInteractivityEndpoint.Path, (HttpContext context, SlackInteractivityEndpoint endpoint) => endpoint.HandleAsync(context)).WithMetadata(sizeLimit);
        }
        else
        {
            foreach (var path in new[] { SlackEventsEndpoint.Path, SlackInteractivityEndpoint.Path })
            {
                endpoints.MapPost(path, () => Results.Problem(statusCode: StatusCodes.Status404NotFound,
                    title: "Slack is not configured",
                    detail: $"Set {SlackOptions.Section}:SigningSecret and {SlackOptions.Section}:BotToken to enable the Slack channel."));
            }
        }

        return endpoints;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack {Path} answered {Status}; retry {Attempt} in {DelaySeconds:F1} s")]
    private static partial void LogRetry(ILogger logger, string? path, int? status, double delaySeconds, int attempt, Exception? exception);
}
