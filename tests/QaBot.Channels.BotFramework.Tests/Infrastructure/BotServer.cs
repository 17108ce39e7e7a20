using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace QaBot.Channels.BotFramework.Tests.Infrastructure;

/// <summary>The real QaBot server (Program) on Kestrel at a random loopback port, with configuration overrides.</summary>
public sealed class BotServer : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private BotServer(WebApplicationFactory<Program> factory, Uri baseUrl)
    {
        _factory = factory;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseUrl { get; }

    public Uri MessagesUrl => new(BaseUrl, "api/messages");

    public HttpClient Http { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>Starts the server and waits until the start-up index is ready.</summary>
    /// <param name="services">Added after the host's own registrations (e.g. a log collector).</param>
    public static async Task<BotServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var factory = Configure(settings, services);
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new BotServer(factory, new Uri(address.TrimEnd('/') + "/"));
        await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>The factory with <paramref name="settings"/> applied, not yet started (for start-up failure tests).</summary>
    public static WebApplicationFactory<Program> Configure(IReadOnlyDictionary<string, string?>? settings, Action<IServiceCollection>? services = null)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("urls", "http://127.0.0.1:0");
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) b.UseSetting(key, value);
            if (services is not null) b.ConfigureTestServices(services);
        });
        factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        return factory;
    }

    private async Task WaitUntilReadyAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            using var response = await Http.GetAsync("readyz", cts.Token);
            if (response.IsSuccessStatusCode) return;
            var body = await response.Content.ReadFromJsonAsync<Dictionary<string, object?>>(cts.Token);
            if (body?["status"]?.ToString() == "failed") throw new InvalidOperationException($"Indexing failed: {body["error"]}");
            await Task.Delay(100, cts.Token); // Polling /readyz: the condition itself is what we wait for.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _factory.DisposeAsync();
    }
}
