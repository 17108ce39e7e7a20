using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QaBot.Core.Tests.Infrastructure;

/// <summary>One request the fake received, as sent over the wire.</summary>
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, string? ApiKey, string Body, string? Authorization = null)
{
    /// <summary>When the fake received it (<see cref="Stopwatch.GetTimestamp"/>), to measure the waits between retries.</summary>
    public long ReceivedAt { get; } = Stopwatch.GetTimestamp();

    public JsonNode Json => JsonNode.Parse(Body)!;

    /// <summary>A message's text, whether the SDK sent the content as a string or as an array of text parts.</summary>
    public static string Text(JsonNode? content) => content switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>())),
        _ => "",
    };
}

/// <summary>What the fake does with one request instead of simply answering it: an HTTP error, a stall, a broken body.</summary>
internal sealed class Fault
{
    private readonly string _name;

    private Fault(string name, Func<HttpContext, string, CancellationToken, Task> respond) => (_name, Respond) = (name, respond);

    /// <summary>Given the context, the body the fake would have answered with, and a token that fires when the client gives up or the fake stops.</summary>
    internal Func<HttpContext, string, CancellationToken, Task> Respond { get; }

    /// <summary>Answers normally (to script successes between faults).</summary>
    public static Fault None { get; } = new("none", (c, body, _) => FakeAzureOpenAI.Write(c, 200, body));

    /// <summary>An Azure-style error body with <paramref name="status"/> and the given headers (e.g. Retry-After).</summary>
    public static Fault Status(int status, params (string Name, string Value)[] headers) => new($"HTTP {status}", (c, _, _) =>
    {
        foreach (var (name, value) in headers) c.Response.Headers[name] = value;
        return FakeAzureOpenAI.Write(c, status, FakeAzureOpenAI.Error(status.ToString(System.Globalization.CultureInfo.InvariantCulture), "Injected fault.").ToJsonString());
    });

    /// <summary>Never answers: holds the request until the client gives up on it.</summary>
    public static Fault Stall { get; } = new("stall", async (_, _, aborted) =>
    {
        try { await Task.Delay(Timeout.Infinite, aborted); }
        catch (OperationCanceledException) { }
    });

    /// <summary>Drops the connection without answering.</summary>
    public static Fault Abort { get; } = new("abort", (c, _, _) =>
    {
        c.Abort();
        return Task.CompletedTask;
    });

    /// <summary>A complete 200 response whose JSON stops half-way.</summary>
    public static Fault TruncatedJson { get; } = new("truncated JSON", (c, body, _) => FakeAzureOpenAI.Write(c, 200, body[..(body.Length / 2)]));

    /// <summary>A 200 that promises the whole body (Content-Length) but drops the connection half-way through it.</summary>
    public static Fault CutOff { get; } = new("cut-off body", async (c, body, _) =>
    {
        await WriteFirstHalf(c, body);
        c.Abort();
    });

    /// <summary>A 200 whose headers and first half of the body arrive at once, and the rest never (until the client gives up).</summary>
    public static Fault StalledBody { get; } = new("stalled body", async (c, body, aborted) =>
    {
        await WriteFirstHalf(c, body);
        try { await Task.Delay(Timeout.Infinite, aborted); }
        catch (OperationCanceledException) { }
    });

    /// <summary>A 200 that announces the whole body's length and sends only its first half.</summary>
    private static async Task WriteFirstHalf(HttpContext c, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        c.Response.StatusCode = 200;
        c.Response.ContentType = "application/json";
        c.Response.ContentLength = bytes.Length;
        await c.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
        await c.Response.Body.FlushAsync();
    }

    /// <summary>A 200 labelled JSON whose body is not JSON (a proxy's error page).</summary>
    public static Fault MalformedJson { get; } = new("malformed JSON", (c, _, _) => FakeAzureOpenAI.Write(c, 200, "<html><body>502 Bad Gateway</body></html>"));

    public override string ToString() => _name;
}

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, port 0) that answers the Azure OpenAI data-plane routes the SDK calls:
/// <c>POST /openai/deployments/{deployment}/chat/completions?api-version=...</c> with a <c>chat.completion</c> body and
/// <c>POST /openai/deployments/{deployment}/embeddings?api-version=...</c> with an embeddings <c>list</c>.
/// </summary>
internal sealed class FakeAzureOpenAI : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();

    private FakeAzureOpenAI(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The access token the fake's Entra ID token endpoint issues.</summary>
    public const string EntraToken = "entra-token-for-azure-openai";

    /// <summary>
    /// The https names QaBot is configured with when it signs in with Entra ID (the SDK sends tokens over https only);
    /// <see cref="Reroute"/> sends both to this plain-HTTP fake.
    /// </summary>
    public static readonly Uri HttpsEndpoint = new("https://openai.test/");

    public static readonly Uri AuthorityHost = new("https://login.entra.test/");

    /// <summary>A handler that sends requests for <see cref="HttpsEndpoint"/> and <see cref="AuthorityHost"/> here.</summary>
    public DelegatingHandler Reroute() => new Rerouting(Endpoint);

    private sealed class Rerouting(Uri fake) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.Host is "openai.test" or "login.entra.test") request.RequestUri = new Uri(fake, request.RequestUri.PathAndQuery);
            return base.SendAsync(request, cancellationToken);
        }
    }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>The assistant's reply to a chat request, or null to fail it with HTTP 500.</summary>
    public Func<RecordedRequest, string?> ChatReply { get; set; } = _ => "I couldn't find that in the articles.";

    /// <summary>Faults for the next requests, one per request in arrival order (any route); when empty, <see cref="Otherwise"/> applies.</summary>
    public ConcurrentQueue<Fault> Script { get; } = new();

    /// <summary>The fault for every request once <see cref="Script"/> is used up, or null to answer normally.</summary>
    public Fault? Otherwise { get; set; }

    public IEnumerable<RecordedRequest> ChatRequests => Requests.Where(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal));

    public IEnumerable<RecordedRequest> EmbeddingRequests => Requests.Where(r => r.Path.EndsWith("/embeddings", StringComparison.Ordinal));

    /// <summary>Every text sent for embedding so far, in order (what the embedding service was paid for).</summary>
    public IReadOnlyList<string> EmbeddedTexts() =>
        EmbeddingRequests.SelectMany(r => r.Json["input"] is JsonArray a ? a.Select(i => i!.GetValue<string>()) : [r.Json["input"]!.GetValue<string>()]).ToList();

    public static async Task<FakeAzureOpenAI> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeAzureOpenAI(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        fake.Endpoint = new Uri(address.TrimEnd('/') + "/");
        return fake;
    }

    /// <summary>The fake's embedding of a text: words hashed into buckets, plus a constant so no vector is zero.</summary>
    public static float[] Embed(string text, int dimensions)
    {
        var vector = new float[dimensions];
        vector[0] = 0.1f;
        foreach (var word in text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var hash = 17u;
            foreach (var c in word.Trim('.', ',', '?', '!', '"', '\'')) hash = hash * 31 + c;
            vector[1 + (int)(hash % (uint)(dimensions - 1))] += 1f;
        }
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return vector.Select(v => v / norm).ToArray();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var request = new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
            context.Request.Headers["api-key"].FirstOrDefault(),
            body,
            context.Request.Headers.Authorization.FirstOrDefault());
        Requests.Enqueue(request);

        var (status, answer) = Answer(request);
        var fault = Script.TryDequeue(out var next) ? next : Otherwise;
        if (fault is null)
        {
            await Write(context, status, answer.ToJsonString());
            return;
        }
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        await fault.Respond(context, answer.ToJsonString(), aborted.Token);
    }

    /// <summary>The fault-free answer to a request.</summary>
    private (int Status, JsonNode Body) Answer(RecordedRequest request)
    {
        var segments = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var isDeploymentRoute = request.Method == "POST" && segments.Length >= 4 && segments[0] == "openai" && segments[1] == "deployments";
        if (isDeploymentRoute && request.Path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            return ChatReply(request) is { } reply
                ? (200, ChatCompletion(segments[2], reply))
                : (500, Error("InternalServerError", "The server had an error while processing your request."));
        }
        if (isDeploymentRoute && request.Path.EndsWith("/embeddings", StringComparison.Ordinal)) return (200, Embeddings(segments[2], request.Json));
        // Entra ID's token endpoint (/{tenant}/oauth2/v2.0/token), for sign-in without an API key.
        if (request.Method == "POST" && request.Path.EndsWith("/oauth2/v2.0/token", StringComparison.Ordinal))
            return (200, new JsonObject { ["token_type"] = "Bearer", ["expires_in"] = 3600, ["access_token"] = EntraToken });
        return (404, Error("404", "Resource not found"));
    }

    internal static JsonObject Error(string code, string message) => new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    private static JsonObject ChatCompletion(string deployment, string reply) => new()
    {
        ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N"),
        ["object"] = "chat.completion",
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["model"] = deployment,
        ["system_fingerprint"] = "fp_test",
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply, ["refusal"] = null },
            ["logprobs"] = null,
            ["finish_reason"] = "stop",
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = 500, ["completion_tokens"] = 20, ["total_tokens"] = 520 },
    };

    private static JsonObject Embeddings(string deployment, JsonNode request)
    {
        var inputs = request["input"] switch
        {
            JsonArray a => a.Select(i => i!.GetValue<string>()).ToList(),
            var single => [single!.GetValue<string>()],
        };
        var dimensions = request["dimensions"]?.GetValue<int>() ?? 1536;
        var base64 = request["encoding_format"]?.GetValue<string>() == "base64";
        var data = new JsonArray();
        for (var i = 0; i < inputs.Count; i++)
        {
            var vector = Embed(inputs[i], dimensions);
            JsonNode embedding = base64
                ? JsonValue.Create(Convert.ToBase64String(vector.SelectMany(BitConverter.GetBytes).ToArray()))
                : new JsonArray(vector.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }
        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = deployment,
            ["usage"] = new JsonObject { ["prompt_tokens"] = inputs.Count * 10, ["total_tokens"] = inputs.Count * 10 },
        };
    }

    internal static async Task Write(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync(); // releases stalled requests, so stopping does not wait for them
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
