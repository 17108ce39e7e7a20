using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QaBot.Channels.Slack.Tests;

/// <summary>One Web API request as the fake received it; form and JSON bodies alike end up in <see cref="Fields"/>.</summary>
public sealed record RecordedCall(string Method, string? ContentType, string? Authorization, JsonObject Fields, int Status, DateTimeOffset At)
{
    public string? Field(string name) => Fields[name]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)Fields[name] : Fields[name]?.ToJsonString();
}

/// <summary>
/// A Slack Web API on a loopback port: answers auth.test, chat.postMessage and chat.postEphemeral like Slack (HTTP 200 with ok/error, 429 with
/// Retry-After), accepts JSON and form bodies as Slack does, and records every call.
/// </summary>
public sealed class FakeSlackApi : IAsyncDisposable
{
    public const string Token = "xoxb-test-token";
    public const string BotUserId = "UQABOT0001";
    public const string BotId = "BQABOT0001";
    public const string TeamId = "T0TEST";
    public const string UnknownChannel = "CNOTFOUND";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedCall> _calls = new();
    private readonly ConcurrentDictionary<string, int> _rateLimits = new();
    private long _nextTs;

    private FakeSlackApi(WebApplication app) => _app = app;

    public Uri ApiUrl { get; private set; } = null!;

    public IReadOnlyList<RecordedCall> Calls => [.. _calls];

    public static async Task<FakeSlackApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var fake = new FakeSlackApi(builder.Build());
        fake._app.MapPost("/api/{method}", (string method, HttpContext context) => fake.HandleAsync(method, context));
        await fake._app.StartAsync();
        var address = fake._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.ApiUrl = new Uri(address + "/api/");
        return fake;
    }

    /// <summary>The next <paramref name="times"/> chat.postMessage calls to <paramref name="channel"/> get 429 with Retry-After: 1.</summary>
    public void RateLimit(string channel, int times = 1) => _rateLimits[channel] = times;

    public IReadOnlyList<RecordedCall> Posts(string channel) =>
        Calls.Where(c => c.Method == "chat.postMessage" && c.Field("channel") == channel).ToList();

    /// <summary>
    /// Waits until <paramref name="count"/> messages were delivered (HTTP 200, ok) to <paramref name="channel"/>, or to
    /// the thread <paramref name="threadTs"/> in it.
    /// </summary>
    public Task<IReadOnlyList<RecordedCall>> WaitForMessagesAsync(string channel, int count = 1, string? threadTs = null) =>
        WaitForCallsAsync("chat.postMessage", channel, count, threadTs);

    /// <summary>Waits until <paramref name="count"/> ephemeral messages were delivered in <paramref name="channel"/>.</summary>
    public Task<IReadOnlyList<RecordedCall>> WaitForEphemeralsAsync(string channel, int count = 1) =>
        WaitForCallsAsync("chat.postEphemeral", channel, count, threadTs: null);

    private async Task<IReadOnlyList<RecordedCall>> WaitForCallsAsync(string method, string channel, int count, string? threadTs)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var delivered = Calls.Where(c => c.Method == method && c.Field("channel") == channel && c.Status == 200 && (threadTs is null || c.Field("thread_ts") == threadTs)).ToList();
            if (delivered.Count >= count) return delivered;
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"Expected {count} {method} call(s) in {channel}, got {delivered.Count}; calls: {string.Join(", ", Calls.Select(c => $"{c.Method}:{c.Field("channel")}:{c.Status}"))}");
            await Task.Delay(25);
        }
    }

    private async Task<IResult> HandleAsync(string method, HttpContext context)
    {
        var request = context.Request;
        var fields = new JsonObject();
        if (request.HasJsonContentType())
        {
            fields = (JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync()) as JsonObject) ?? [];
        }
        else if (request.HasFormContentType)
        {
            // The Node SDK posts forms, with structured arguments such as blocks as JSON strings.
            foreach (var (key, value) in await request.ReadFormAsync())
            {
                var text = value.ToString();
                fields[key] = text.StartsWith('[') || text.StartsWith('{') ? JsonNode.Parse(text) : JsonValue.Create(text);
            }
        }

        var authorization = request.Headers.Authorization.ToString();
        var (status, body) = Respond(method, authorization, fields);
        _calls.Enqueue(new RecordedCall(method, request.ContentType, authorization, fields, status, DateTimeOffset.UtcNow));
        if (status == 429) context.Response.Headers.RetryAfter = "1";
        return Results.Json(body, statusCode: status);
    }

    private (int Status, JsonObject Body) Respond(string method, string authorization, JsonObject fields)
    {
        if (authorization != $"Bearer {Token}") return (200, Error("invalid_auth"));
        switch (method)
        {
            case "auth.test":
                return (200, new JsonObject
                {
                    ["ok"] = true, ["url"] = "https://qabot-test.slack.com/", ["team"] = "QaBot Test", ["user"] = "qabot",
                    ["team_id"] = TeamId, ["user_id"] = BotUserId, ["bot_id"] = BotId,
                });
            case "chat.postMessage":
                var channel = (string?)fields["channel"];
                if (channel is null or UnknownChannel) return (200, Error("channel_not_found"));
                if (_rateLimits.TryGetValue(channel, out var left) && left > 0 && _rateLimits.TryUpdate(channel, left - 1, left))
                    return (429, Error("ratelimited"));
                var ts = $"1800000000.{Interlocked.Increment(ref _nextTs):D6}";
                return (200, new JsonObject { ["ok"] = true, ["channel"] = channel, ["ts"] = ts, ["message"] = new JsonObject { ["ts"] = ts, ["text"] = (string?)fields["text"] } });
            case "chat.postEphemeral":
                var to = (string?)fields["channel"];
                if (to is null or UnknownChannel) return (200, Error("channel_not_found"));
                if (fields["user"] is null) return (200, Error("user_not_in_channel"));
                // Slack keeps no ephemeral message; the ts it gives back only identifies this delivery.
                return (200, new JsonObject { ["ok"] = true, ["message_ts"] = $"1800000000.{Interlocked.Increment(ref _nextTs):D6}" });
            default:
                return (200, Error("unknown_method"));
        }
    }

    private static JsonObject Error(string error) => new() { ["ok"] = false, ["error"] = error };

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
