using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace QaBot.Channels.BotFramework;

public static class BotFrameworkChannelExtensions
{
    public static IServiceCollection AddBotFrameworkChannel(this IServiceCollection services, IConfiguration configuration) => services;

    public static IEndpointRouteBuilder MapBotFrameworkChannel(this IEndpointRouteBuilder endpoints) => endpoints;
}
