using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
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
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, string? ApiKey, string Body)
{
    public JsonNode Json => JsonNode.Parse(Body)!;

    /// <summary>A message's text, whether the SDK sent the content as a string or as an array of text parts.</summary>
    public static string Text(JsonNode? content) => content switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>())),
        _ => "",
    };
}

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, port 0) that answers the Azure OpenAI data-plane routes the SDK calls:
/// <c>POST /openai/deployments/{deployment}/chat/completions?api-version=...</c> with a <c>chat.completion</c> body and
/// <c>POST /openai/deployments/{deployment}/embeddings?api-version=...</c> with an embeddings <c>list</c>.
/// </summary>
internal sealed class FakeAzureOpenAI : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeAzureOpenAI(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>The assistant's reply to a chat request, or null to fail it with HTTP 500.</summary>
    public Func<RecordedRequest, string?> ChatReply { get; set; } = _ => "I couldn't find that in the articles.";

    public IEnumerable<RecordedRequest> ChatRequests => Requests.Where(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal));

    public IEnumerable<RecordedRequest> EmbeddingRequests => Requests.Where(r => r.Path.EndsWith("/embeddings", StringComparison.Ordinal));

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
            body);
        Requests.Enqueue(request);

        var segments = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var isDeploymentRoute = request.Method == "POST" && segments.Length >= 4 && segments[0] == "openai" && segments[1] == "deployments";
        if (isDeploymentRoute && request.Path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            if (ChatReply(request) is not { } reply)
            {
                await Json(context, 500, new JsonObject { ["error"] = new JsonObject { ["code"] = "InternalServerError", ["message"] = "The server had an error while processing your request." } });
                return;
            }
            await Json(context, 200, ChatCompletion(segments[2], reply));
        }
        else if (isDeploymentRoute && request.Path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            await Json(context, 200, Embeddings(segments[2], request.Json));
        }
        else
        {
            await Json(context, 404, new JsonObject { ["error"] = new JsonObject { ["code"] = "404", ["message"] = "Resource not found" } });
        }
    }

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

    private static async Task Json(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
