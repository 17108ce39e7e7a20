using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using QaBot.Turns;

namespace QaBot.Hostile.Tests.Infrastructure;

/// <summary>
/// The real server on Kestrel at a loopback port with every channel on: Bot Framework in Emulator mode, Slack with a
/// signing secret (its Web API pointed at a closed port) and Direct Line with a secret. Logs are collected so tests can
/// check that nothing went unhandled.
/// </summary>
public sealed class HostileServer : IAsyncLifetime, IDisposable
{
    public const string SlackSigningSecret = "hostile-signing-secret-0123456789";
    public const string DirectLineSecret = "hostile-direct-line-secret-0123456789abcdef";

    private InProcessServer? _server;

    /// <summary>
    /// Waits for the server's answer to "Expect: 100-continue" however busy the machine is: by default a client sends
    /// the body after 1 s, and a refused one then ends in a broken pipe instead of its status.
    /// </summary>
    private readonly HttpClient _patient = new(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(30) }) { Timeout = TimeSpan.FromSeconds(60) };

    public HttpClient Http => _server!.Http;

    public Uri BaseUrl => _server!.BaseUrl;

    public FakeLogCollector Logs => _server!.Services.GetRequiredService<FakeLogCollector>();

    public async Task InitializeAsync() => _server = await InProcessServer.StartAsync(
        new Dictionary<string, string?>
        {
            ["QaBot:Slack:SigningSecret"] = SlackSigningSecret,
            ["QaBot:Slack:BotToken"] = "xoxb-hostile",
            // Port 1 refuses at once: replies to accepted events fail fast in the background instead of leaving the machine.
            ["QaBot:Slack:ApiBaseUrl"] = "http://127.0.0.1:1/api/",
            ["QaBot:DirectLine:Secret"] = DirectLineSecret,
            ["QaBot:Telemetry:Exporter"] = "None",
        },
        // Thousands of rejections would flood the console; the collector keeps them for the assertions instead.
        services => services.AddLogging(logging => logging.ClearProviders().AddFakeLogging()));

    /// <summary>POSTs <paramref name="body"/> as JSON to <paramref name="path"/> and returns the status.</summary>
    public async Task<HttpStatusCode> PostAsync(string path, byte[] body, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl, path)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        // A server refuses an oversized body (413) without reading it and closes the connection; without 100-continue the
        // client would still be uploading and see a broken pipe instead of the status.
        request.Headers.ExpectContinue = true;
        configure?.Invoke(request);
        using var response = await _patient.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Adds Slack's v0 signature over the raw bytes, as Slack computes it.</summary>
    public static void SignForSlack(HttpRequestMessage request, byte[] body)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(SlackSigningSecret), (byte[])[.. Encoding.UTF8.GetBytes($"v0:{timestamp}:"), .. body]);
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        request.Headers.Add("X-Slack-Signature", "v0=" + Convert.ToHexStringLower(mac));
    }

    /// <summary>Starts a Direct Line conversation with the secret and returns its id.</summary>
    public async Task<string> StartDirectLineConversationAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl, "/v3/directline/conversations"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DirectLineSecret);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var info = await response.Content.ReadFromJsonAsync<JsonElement>();
        return info.GetProperty("conversationId").GetString()!;
    }

    /// <summary>Errors ASP.NET Core logged: an exception that escaped an endpoint or broke a connection.</summary>
    /// <summary>
    /// Requests the framework saw fail, and turns that failed on a bug (a <see cref="SystemException"/> such as a null
    /// reference) rather than on a reply that could not be delivered to the activity's made-up serviceUrl.
    /// </summary>
    public IReadOnlyList<FakeLogRecord> UnhandledErrors() =>
    [
        .. Logs.GetSnapshot().Where(r => r.Level >= LogLevel.Error && (r.Category?.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) == true
            || (r.Category == typeof(TurnRunner).FullName && r.Exception is SystemException and not OperationCanceledException))),
    ];

    public void Dispose() => _patient.Dispose();

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class HostileServerCollection : ICollectionFixture<HostileServer>
{
    public const string Name = "Hostile server";
}
