using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace QaBot.TestSupport;

/// <summary>
/// The real QaBot server (<c>Program</c>) in this process, on Kestrel at a random loopback port, with settings and
/// test services on top of its own. For the server as a separate process, see <see cref="TestServer"/>.
/// </summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private InProcessServer(WebApplicationFactory<Program> factory)
    {
        _factory = factory;
        var address = factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseUrl = new Uri(address.TrimEnd('/') + "/");
        Http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseUrl { get; }

    /// <summary>The Bot Framework endpoint.</summary>
    public Uri MessagesUrl => new(BaseUrl, "api/messages");

    /// <summary>A client whose relative addresses are the server's.</summary>
    public HttpClient Http { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>
    /// Starts the server with <paramref name="settings"/> (configuration keys) and <paramref name="services"/> (applied
    /// after the host's own registrations, so a test double replaces one part), then, unless
    /// <paramref name="waitUntilReady"/> is false, waits until its start-up index is ready.
    /// </summary>
    public static async Task<InProcessServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, bool waitUntilReady = true)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("urls", "http://127.0.0.1:0");
            // Tests that leave turns stuck on a dead channel should not wait the production drain when the server is
            // disposed; the drain itself is tested on the real process.
            builder.UseSetting("QaBot:Turns:StopTimeout", "00:00:01");
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) builder.UseSetting(key, value);
            if (services is not null) builder.ConfigureTestServices(services);
        });
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        try
        {
            factory.StartServer();
        }
        catch
        {
            await factory.DisposeAsync();
            throw;
        }
        var server = new InProcessServer(factory);
        if (waitUntilReady) await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>Polls <c>/readyz</c> until the index is ready; fails at once when indexing failed, and after two minutes.</summary>
    public async Task WaitUntilReadyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            using var response = await Http.GetAsync(new Uri("readyz", UriKind.Relative), timeout.Token);
            if (response.IsSuccessStatusCode) return;
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable
                && await response.Content.ReadFromJsonAsync<Dictionary<string, object?>>(timeout.Token) is { } body
                && body.GetValueOrDefault("status")?.ToString() == "failed")
            {
                throw new InvalidOperationException($"Indexing failed: {body.GetValueOrDefault("error")}");
            }
            await Task.Delay(50, timeout.Token); // The condition is what we wait for; the delay only paces the polls.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _factory.DisposeAsync();
    }
}
