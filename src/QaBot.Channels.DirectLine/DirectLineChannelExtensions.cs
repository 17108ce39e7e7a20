using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using QaBot.State;
using StackExchange.Redis;

namespace QaBot.Channels.DirectLine;

public static class DirectLineChannelExtensions
{
    /// <summary>Where the Direct Line 3.0 API lives; clients pass <c>{origin}/v3/directline</c> as <c>domain</c>.</summary>
    public const string ApiPrefix = "/v3/directline";

    /// <summary>The CORS policy of the API and the page's token endpoint: <c>QaBot:DirectLine:AllowedOrigins</c>.</summary>
    public const string CorsPolicy = "QaBot.DirectLine";

    /// <summary>The Web Chat page's assets: the page script, its style and the official botframework-webchat bundle.</summary>
    public const string AssetsPrefix = "/webchat";

    public static IServiceCollection AddDirectLineChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddQaBotOptions<DirectLineOptions>(configuration, DirectLineOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new DirectLineTokens(sp.GetRequiredService<IOptions<DirectLineOptions>>(), sp.GetRequiredService<TimeProvider>(),
            sp.UsesRedis() && sp.GetRequiredService<IOptions<DirectLineOptions>>().Value.Secret is null
                ? DirectLineTokens.SharedKeyAsync(sp.GetRequiredService<IConnectionMultiplexer>()).GetAwaiter().GetResult()
                : null));
        services.AddSingleton<DirectLineConversations>();
        services.AddSingleton<IDirectLineConversations>(sp => sp.Choose<IDirectLineConversations, DirectLineConversations, RedisDirectLineConversations>());
        services.AddSingleton<DirectLineBot>();
        services.AddSingleton<DirectLineEndpoints>();
        services.AddSingleton<DirectLineStream>();
        services.AddHostedService<ConversationSweeper>();
        services.AddRateLimiter(o => o.AddPolicy(ConversationStartPolicy, context =>
            // A back end holding the secret starts conversations for many users from one address: not a flood.
            context.RequestServices.GetRequiredService<DirectLineTokens>().IsSecret(DirectLineEndpoints.BearerOf(context))
                ? RateLimitPartition.GetNoLimiter("secret")
                : RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = context.RequestServices.GetRequiredService<IOptions<DirectLineOptions>>().Value.ConversationsPerClientPerMinute,
                        Window = TimeSpan.FromMinutes(1),
                    })));
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<DirectLineOptions>>((cors, directLine) => cors.AddPolicy(CorsPolicy, policy => policy
                .WithOrigins([.. directLine.Value.AllowedOrigins])
                .WithMethods(HttpMethods.Get, HttpMethods.Post)
                .WithHeaders("Authorization", "Content-Type", "x-ms-bot-agent")));
        return services;
    }

    /// <summary>
    /// Maps the Direct Line 3.0 API under <see cref="ApiPrefix"/>, the Web Chat page at <c>/</c> and its assets and token
    /// endpoint under <see cref="AssetsPrefix"/> (page and token endpoint unless <see cref="DirectLineOptions.ServePage"/>
    /// is off). Cross-origin calls need <c>app.UseCors()</c> in the host.
    /// </summary>
    /// <summary>Rate-limiter policy on the endpoints that create conversations; the host runs <c>app.UseRateLimiter()</c>.</summary>
    public const string ConversationStartPolicy = "directline-conversation-start";

    public static IEndpointRouteBuilder MapDirectLineChannel(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(ApiPrefix).RequireCors(CorsPolicy).DisableAntiforgery();
        api.MapPost("/tokens/generate", (DirectLineEndpoints e, HttpContext c) => e.GenerateTokenAsync(c)).RequireRateLimiting(ConversationStartPolicy);
        api.MapPost("/tokens/refresh", (DirectLineEndpoints e, HttpContext c) => e.RefreshTokenAsync(c));
        api.MapPost("/conversations", (DirectLineEndpoints e, HttpContext c) => e.StartConversationAsync(c)).RequireRateLimiting(ConversationStartPolicy);
        api.MapGet("/conversations/{conversationId}", (DirectLineEndpoints e, HttpContext c, string conversationId, string? watermark) =>
            e.ReconnectAsync(c, conversationId, watermark));
        api.MapGet("/conversations/{conversationId}/activities", (DirectLineEndpoints e, HttpContext c, string conversationId, string? watermark) =>
            e.GetActivitiesAsync(c, conversationId, watermark));
        // Routing hands the limit to the server, which refuses a longer body (even a chunked one) as it is read.
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<DirectLineOptions>>().Value;
        api.MapPost("/conversations/{conversationId}/activities", (DirectLineEndpoints e, HttpContext c, string conversationId) =>
            e.PostActivityAsync(c, conversationId)).WithMetadata(new RequestSizeLimitAttribute(options.MaxActivityBytes));

        // The WebSocket middleware runs in the stream endpoint's own pipeline, so the host need not add it for everyone.
        var stream = endpoints.CreateApplicationBuilder();
        stream.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        stream.Run(c => c.RequestServices.GetRequiredService<DirectLineStream>().HandleAsync(c));
        endpoints.Map(ApiPrefix + "/conversations/{conversationId}/stream", stream.Build()).RequireCors(CorsPolicy);

        var servePage = options.ServePage;
        if (servePage) endpoints.MapPost(AssetsPrefix + "/token", (DirectLineEndpoints e) => e.PageToken()).RequireCors(CorsPolicy).DisableAntiforgery()
            .RequireRateLimiting(ConversationStartPolicy);
        MapAssets(endpoints, servePage);
        return endpoints;
    }

    private static void MapAssets(IEndpointRouteBuilder endpoints, bool servePage)
    {
        var files = new EmbeddedFileProvider(typeof(DirectLineChannelExtensions).Assembly, "QaBot.Channels.DirectLine.wwwroot");
        var assets = endpoints.CreateApplicationBuilder();
        // The static file middleware stands aside when an endpoint is selected; here it is the endpoint (as in MapFallbackToFile).
        assets.Use((context, next) =>
        {
            context.SetEndpoint(null);
            return next(context);
        });
        assets.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = AssetsPrefix,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            // Revalidate each time (ETag): the bundle changes only with a new build, and then it must not be stale.
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        });
        assets.Run(c => Results.NotFound().ExecuteAsync(c));
        var serve = assets.Build();
        endpoints.MapMethods(AssetsPrefix + "/{**file}", [HttpMethods.Get, HttpMethods.Head], serve);
        if (!servePage) return;
        endpoints.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], context =>
        {
            context.Request.Path = AssetsPrefix + "/index.html";
            return serve(context);
        });
    }
}
