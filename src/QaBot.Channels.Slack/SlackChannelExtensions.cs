using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace QaBot.Channels.Slack;

public static class SlackChannelExtensions
{
    public static IServiceCollection AddSlackChannel(this IServiceCollection services, IConfiguration configuration) => services;

    public static IEndpointRouteBuilder MapSlackChannel(this IEndpointRouteBuilder endpoints) => endpoints;
}
