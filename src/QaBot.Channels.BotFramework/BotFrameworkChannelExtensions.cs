using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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
    /// authentication, and the background worker. <c>QaBot:Bot</c> options are validated at start-up.
    /// </summary>
    public static IServiceCollection AddBotFrameworkChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BotOptions>().Bind(configuration.GetSection(BotOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<BotOptions>, BotOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        // No redirects on calls that carry the bot's token or secret: the target was checked, a Location header was not.
        services.AddHttpClient(ConnectorHttpClient).ConfigurePrimaryHttpMessageHandler(NoRedirects).AddStandardResilienceHandler();
        services.AddHttpClient(TokenHttpClient).ConfigurePrimaryHttpMessageHandler(NoRedirects).AddStandardResilienceHandler();
        services.AddHttpClient(MetadataHttpClient).AddStandardResilienceHandler();

        services.TryAddSingleton<IFeedbackStore, InMemoryFeedbackStore>();
        services.AddSingleton<SentAnswers>();
        services.AddSingleton<BotActivityHandler>();
        services.AddSingleton<BotTokenProvider>();
        services.AddSingleton<BotAuthenticator>();
        services.AddSingleton<ConnectorActivitySender>();
        services.AddSingleton<ActivityQueue>();
        services.AddHostedService<ActivityWorker>();
        return services;
    }

    private static HttpMessageHandler NoRedirects() => new SocketsHttpHandler { AllowAutoRedirect = false };

    /// <summary>The Bot Framework messaging endpoint, <c>POST /api/messages</c>.</summary>
    public static IEndpointRouteBuilder MapBotFrameworkChannel(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/messages", BotMessagesEndpoint.HandleAsync).WithName("BotFrameworkMessages");
        return endpoints;
    }
}
