using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace QaBot.Channels.DirectLine;

public static class DirectLineChannelExtensions
{
    public static IServiceCollection AddDirectLineChannel(this IServiceCollection services, IConfiguration configuration) => services;

    public static IEndpointRouteBuilder MapDirectLineChannel(this IEndpointRouteBuilder endpoints) => endpoints;
}
