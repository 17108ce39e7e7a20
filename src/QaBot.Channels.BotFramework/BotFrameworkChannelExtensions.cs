using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using QaBot.Feedback;
using QaBot.Turns;

namespace QaBot.Channels.BotFramework;

public static class BotFrameworkChannelExtensions
{
    /// <summary>HttpClient (with the standard resilience pipeline) for replies to the Bot Connector.</summary>
    public const string ConnectorHttpClient = "BotConnector";

    /// <summary>HttpClient for the bot's own token.</summary>
    public const string TokenHttpClient = "BotToken";

    /// <summary>HttpClient for OpenID metadata and signing keys.</summary>
    public const string MetadataHttpClient = "BotOpenIdMetadata";

    /// <summary>
    /// The bot logic (<see cref="BotActivityHandler"/>, also used by the local Direct Line), the Bot Connector client and
    /// authentication; turns run on Core's <see cref="TurnRunner"/>. <c>QaBot:Bot</c> options are validated at start-up.
    /// </summary>
    public static IServiceCollection AddBotFrameworkChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddQaBotOptions<BotOptions>(configuration, BotOptions.Section);
        services.AddSingleton<IValidateOptions<BotOptions>, BotOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        // No redirects on calls that carry the bot's token or secret: the target was checked, a Location header was not.
        // Each serviceUrl host gets its own pipeline (so its own circuit breaker), and a reply gives up after
        // QaBot:Turns:SendTimeout: a dead or slow channel fails its own conversation's turn quickly and trips nobody else's breaker.
        services.AddHttpClient(ConnectorHttpClient).ConfigurePrimaryHttpMessageHandler(NoRedirects).AddStandardResilienceHandler()
            .SelectPipelineByAuthority()
            .Configure((resilience, sp) =>
            {
                var timeout = sp.GetRequiredService<IOptions<TurnOptions>>().Value.SendTimeout;
                resilience.TotalRequestTimeout.Timeout = timeout;
                resilience.AttemptTimeout.Timeout = timeout / 2;
            });
        services.AddHttpClient(TokenHttpClient).ConfigurePrimaryHttpMessageHandler(NoRedirects).AddStandardResilienceHandler();
        services.AddHttpClient(MetadataHttpClient).AddStandardResilienceHandler();

        services.OpenFeedbackStoreAtStart();
        services.AddSingleton<BotActivityHandler>();
        services.AddSingleton<BotTokenProvider>();
        services.AddSingleton<BotAuthenticator>();
        services.AddSingleton<ConnectorActivitySender>();
        return services;
    }

    private static HttpMessageHandler NoRedirects() => new SocketsHttpHandler { AllowAutoRedirect = false };

    /// <summary>The Bot Framework messaging endpoint, <c>POST /api/messages</c>.</summary>
    public static IEndpointRouteBuilder MapBotFrameworkChannel(this IEndpointRouteBuilder endpoints)
    {
        // Routing hands the limit to the server, which refuses a longer body (even a chunked one) as it is read.
        var maxBytes = endpoints.ServiceProvider.GetRequiredService<IOptions<BotOptions>>().Value.MaxRequestBytes;
        endpoints.MapPost("/api/messages", BotMessagesEndpoint.HandleAsync).WithName("BotFrameworkMessages")
            .WithMetadata(new RequestSizeLimitAttribute(maxBytes));
        return endpoints;
    }
}
