using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QaBot.LoadTest;

/// <summary>What the bot posted back for one question: its message text, the question as it read it, and when it arrived.</summary>
public sealed record BotReply(string? Text, string? StandaloneQuestion, long ArrivedTimestamp, bool Misrouted)
{
    /// <summary>The Slack thread the answer was posted in (Slack conversations only).</summary>
    public string? ThreadTs { get; init; }
}

/// <summary>
/// Plays the Bot Framework channel (the Emulator's Connector) on a loopback port: the bot POSTs its typing and answer
/// activities to <c>/v3/conversations/{conversationId}/activities/{replyToId}</c>, and each answer completes the
/// question whose activity id is that replyToId. It also plays Slack's Web API under <c>/slack/api/</c>: each
/// <c>chat.postMessage</c> answers the oldest unanswered question of its thread, and one more than were asked is a duplicate.
/// </summary>
public sealed class ChannelSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Expected> _expected = new(StringComparer.Ordinal);
    // Every question answered so far (a run asks a few hundred thousand at most), so a second answer is recognised.
    private readonly ConcurrentDictionary<string, byte> _answered = new(StringComparer.Ordinal);
    private long _typing;
    private long _unmatched;
    private long _duplicates;
    private long _ids;

    private readonly ConcurrentDictionary<string, SlackThread> _slackThreads = new(StringComparer.Ordinal);
    private long _slackTs;

    private sealed record Expected(string ConversationId, TaskCompletionSource<BotReply> Reply);

    /// <summary>A Slack thread's questions and replies; a reply completes the waiting question, if any.</summary>
    private sealed class SlackThread
    {
        public int Asked;
        public int Replied;
        public TaskCompletionSource<BotReply>? Waiting;
    }

    private ChannelSink(WebApplication app) => _app = app;

    /// <summary>The serviceUrl inbound activities carry (no trailing slash, as channels send it).</summary>
    public string ServiceUrl { get; private set; } = "";

    /// <summary>Typing activities received.</summary>
    public long Typing => Interlocked.Read(ref _typing);

    /// <summary>Activities that answered no awaited question (e.g. an answer that came after its question timed out).</summary>
    public long Unmatched => Interlocked.Read(ref _unmatched);

    /// <summary>
    /// Answers to a question that had been answered already (e.g. by two replicas): Bot Framework replies to an answered
    /// activity, and Slack replies in a thread beyond the questions asked in it.
    /// </summary>
    public long Duplicates => Interlocked.Read(ref _duplicates) + _slackThreads.Values.Sum(t => { lock (t) return Math.Max(0, t.Replied - t.Asked); });

    /// <summary>The Slack Web API base address to give the servers (<c>QaBot:Slack:ApiBaseUrl</c>).</summary>
    public string SlackApiUrl => ServiceUrl + "/slack/api/";

    public static async Task<ChannelSink> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var sink = new ChannelSink(app);
        app.MapPost("/v3/conversations/{conversationId}/activities/{replyToId?}", sink.ReceiveAsync);
        app.MapPost("/slack/api/{method}", sink.SlackApiAsync);
        await app.StartAsync(cancellationToken);
        sink.ServiceUrl = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First().TrimEnd('/');
        return sink;
    }

    /// <summary>Registers a question before it is sent; the task completes when its answer arrives.</summary>
    public Task<BotReply> Expect(string activityId, string conversationId)
    {
        var reply = new TaskCompletionSource<BotReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_expected.TryAdd(activityId, new Expected(conversationId, reply))) throw new InvalidOperationException($"Activity id {activityId} is already awaited.");
        return reply.Task;
    }

    /// <summary>Registers a Slack question in <paramref name="threadTs"/> before its event is sent.</summary>
    public Task<BotReply> ExpectSlack(string threadTs)
    {
        var thread = _slackThreads.GetOrAdd(threadTs, _ => new SlackThread());
        var reply = new TaskCompletionSource<BotReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (thread)
        {
            thread.Asked++;
            thread.Waiting = reply;
        }
        return reply.Task;
    }

    private async Task<IResult> SlackApiAsync(string method, HttpRequest request)
    {
        var arrived = TimeProvider.System.GetTimestamp();
        if (method == "auth.test") return Results.Json(new { ok = true, user_id = "ULOADBOT", bot_id = "BLOADBOT" });
        if (method != "chat.postMessage") return Results.Json(new { ok = true });

        using var message = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        var root = message.RootElement;
        var threadTs = root.TryGetProperty("thread_ts", out var t) ? t.GetString() : null;
        if (threadTs is null || !_slackThreads.TryGetValue(threadTs, out var thread))
        {
            Interlocked.Increment(ref _unmatched);
        }
        else
        {
            TaskCompletionSource<BotReply>? waiting;
            lock (thread)
            {
                thread.Replied++;
                waiting = thread.Waiting;
                thread.Waiting = null;
            }
            var text = root.TryGetProperty("text", out var x) ? x.GetString() : null;
            waiting?.TrySetResult(new BotReply(text, null, arrived, Misrouted: false));
        }
        return Results.Json(new { ok = true, ts = $"1900000000.{Interlocked.Increment(ref _slackTs):D6}" });
    }

    /// <summary>Stops waiting for a question's answer (answered, timed out or never sent), so nothing accumulates.</summary>
    public void Forget(string activityId) => _expected.TryRemove(activityId, out _);

    private async Task<IResult> ReceiveAsync(string conversationId, string? replyToId, HttpRequest request)
    {
        var arrived = TimeProvider.System.GetTimestamp();
        using var activity = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        var root = activity.RootElement;
        var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type == "typing")
        {
            Interlocked.Increment(ref _typing);
        }
        else if (type == "message" && replyToId is not null && _expected.TryRemove(replyToId, out var expected))
        {
            _answered.TryAdd(replyToId, 0);
            var text = root.TryGetProperty("text", out var x) ? x.GetString() : null;
            var standalone = root.TryGetProperty("channelData", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("qabot", out var qabot) && qabot.TryGetProperty("standaloneQuestion", out var s) ? s.GetString() : null;
            expected.Reply.TrySetResult(new BotReply(text, standalone, arrived, Misrouted: expected.ConversationId != conversationId));
        }
        else if (type == "message" && replyToId is not null && _answered.ContainsKey(replyToId))
        {
            Interlocked.Increment(ref _duplicates);
        }
        else
        {
            Interlocked.Increment(ref _unmatched);
        }
        return Results.Ok(new { id = $"sink-{Interlocked.Increment(ref _ids)}" });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
