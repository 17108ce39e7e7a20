using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace QaBot.Channels.DirectLine.Tests.Infrastructure;

/// <summary>The real QaBot server (Program) on Kestrel at a random loopback port, with configuration overrides.</summary>
public sealed class DirectLineServer : IAsyncDisposable
{
    public const string Secret = "test-secret-0123456789-0123456789-abcdef";

    private readonly WebApplicationFactory<Program> _factory;

    private DirectLineServer(WebApplicationFactory<Program> factory, Uri baseUrl)
    {
        _factory = factory;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseUrl { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>Starts the server (with the test secret unless overridden) and waits until the start-up index is ready.</summary>
    /// <param name="services">Replaces services after the host's own registrations (a test double for one part).</param>
    public static async Task<DirectLineServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?> { ["QaBot:DirectLine:Secret"] = Secret };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        var factory = Configure(all, time, services);
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new DirectLineServer(factory, new Uri(address.TrimEnd('/') + "/"));
        await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>The factory with <paramref name="settings"/> applied, not yet started (for start-up failure tests).</summary>
    public static WebApplicationFactory<Program> Configure(IReadOnlyDictionary<string, string?> settings, TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("urls", "http://127.0.0.1:0");
            foreach (var (key, value) in settings) b.UseSetting(key, value);
            if (time is not null) b.ConfigureTestServices(s => s.AddSingleton(time));
            if (services is not null) b.ConfigureTestServices(services);
        });
        factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        return factory;
    }

    /// <summary>POST /webchat/token: a token for a new conversation, as the page gets it.</summary>
    public async Task<(string ConversationId, string Token)> PageTokenAsync()
    {
        using var response = await Http.PostAsync("webchat/token", null);
        response.EnsureSuccessStatusCode();
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return ((string)body["conversationId"]!, (string)body["token"]!);
    }

    /// <summary>A token whose conversation has been started.</summary>
    public async Task<(string ConversationId, string Token)> StartConversationAsync()
    {
        var (conversationId, token) = await PageTokenAsync();
        using var response = await SendAsync(HttpMethod.Post, "v3/directline/conversations", token);
        response.EnsureSuccessStatusCode();
        return (conversationId, token);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return await Http.SendAsync(request);
    }

    /// <summary>Polls the conversation until <paramref name="done"/> holds for its activities; fails after 20 s.</summary>
    public async Task<JsonArray> WaitForActivitiesAsync(string conversationId, string token, Func<JsonArray, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            using var response = await SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities", token);
            response.EnsureSuccessStatusCode();
            var activities = (JsonArray)(await response.Content.ReadFromJsonAsync<JsonObject>(timeout.Token))!["activities"]!;
            if (done(activities)) return activities;
            await Task.Delay(50, timeout.Token); // The condition is what we wait for; the delay only paces the polls.
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!(await Http.GetAsync("readyz", timeout.Token)).IsSuccessStatusCode)
        {
            await Task.Delay(100, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _factory.DisposeAsync();
    }
}
