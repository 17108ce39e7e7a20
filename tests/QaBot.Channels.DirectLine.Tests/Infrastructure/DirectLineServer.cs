using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace QaBot.Channels.DirectLine.Tests.Infrastructure;

/// <summary>The real QaBot server in this process with a Direct Line secret, and the calls a Direct Line client makes.</summary>
public sealed class DirectLineServer : IAsyncDisposable
{
    public const string Secret = "test-secret-0123456789-0123456789-abcdef";

    private readonly InProcessServer _server;

    private DirectLineServer(InProcessServer server) => _server = server;

    public Uri BaseUrl => _server.BaseUrl;

    public HttpClient Http => _server.Http;

    public IServiceProvider Services => _server.Services;

    /// <summary>Starts the server (with the test secret unless overridden) and waits until the start-up index is ready.</summary>
    /// <param name="services">Replaces services after the host's own registrations (a test double for one part).</param>
    public static async Task<DirectLineServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?> { ["QaBot:DirectLine:Secret"] = Secret };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return new DirectLineServer(await InProcessServer.StartAsync(all, s =>
        {
            if (time is not null) s.AddSingleton(time);
            services?.Invoke(s);
        }));
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

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
