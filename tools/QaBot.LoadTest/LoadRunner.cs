using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Answering;
using QaBot.Conversations;
using QaBot.Processes;

namespace QaBot.LoadTest;

/// <summary>
/// One load run: starts the sink and the server, then keeps <see cref="LoadOptions.Concurrency"/> conversations going
/// (question, wait for the answer, follow-up, next conversation) until the time or question budget is spent.
/// </summary>
public sealed partial class LoadRunner(IHttpClientFactory httpClients, IOptions<LoadOptions> options, ILogger<LoadRunner> logger)
{
    public const string HttpClientName = "QaBot";

    /// <summary>The Slack app's signing secret the servers are given and the generator signs its events with.</summary>
    private const string SlackSigningSecret = "load-test-signing-secret";

    /// <summary>How BotActivityHandler apologises when answering throws.</summary>
    private const string PoliteErrorPrefix = "Sorry, something went wrong";

    private static readonly TimeSpan RssSampleInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SoakBaselineAfter = TimeSpan.FromMinutes(1);

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var questions = QuestionSet.Load(o.QuestionFiles);
        var loadBefore = MachineLoad.Read();

        await using var sink = await ChannelSink.StartAsync(cancellationToken);
        await using var servers = new Replicas();
        var slack = o.SlackShare > 0
            ? new Dictionary<string, string>
            {
                ["QaBot__Slack__SigningSecret"] = SlackSigningSecret,
                ["QaBot__Slack__BotToken"] = "xoxb-load-test",
                ["QaBot__Slack__ApiBaseUrl"] = sink.SlackApiUrl,
            }
            : [];
        // One after another: the first builds or loads the persistent index that the others then load.
        for (var i = 0; i < o.Replicas; i++)
        {
            var start = ServerStartOf(o, i, slack);
            var server = await ServerProcess.StartAsync(start, cancellationToken);
            LogStarted(logger, server.Id, server.BaseUrl, start.LogPath);
            // Clients from the factory share its pooled handler; each only adds its server's address.
            var http = httpClients.CreateClient(HttpClientName);
            http.BaseAddress = server.BaseUrl;
            servers.Add(server, http);
        }
        var rssReady = servers.ReadRssBytes();
        LogReady(logger, o.Replicas, questions.Questions.Count, rssReady / 1048576.0, o.WarmupSeconds, o.Seconds, o.Concurrency);

        var warmupEnd = Stopwatch.GetTimestamp() + Seconds(o.WarmupSeconds);
        var run = new Run(sink, servers, questions, new LoadStats(), warmupEnd, warmupEnd + Seconds(o.Seconds));
        using var samplingStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var memory = SampleRssAsync(servers, run, samplingStop.Token);
        var kill = o.KillReplicaAfterSeconds > 0 && o.Replicas > 1
            ? KillLastReplicaAsync(servers, run.MeasureFrom + Seconds(o.KillReplicaAfterSeconds), samplingStop.Token)
            : Task.CompletedTask;

        var cpuStart = Stopwatch.GetTimestamp();
        var cpuBefore = (Server: servers.ReadCpuTime(), Self: Process.GetCurrentProcess().TotalProcessorTime);
        await Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(w => Task.Run(() => ConverseAsync(w, run, cancellationToken), cancellationToken)));
        var elapsed = Stopwatch.GetElapsedTime(cpuStart);
        var cpu = (Server: servers.ReadCpuTime() - cpuBefore.Server, Self: Process.GetCurrentProcess().TotalProcessorTime - cpuBefore.Self);
        await samplingStop.CancelAsync();
        await kill;
        var (rssMinute1, rssPeak) = await memory;
        var rssEnd = servers.ReadRssBytes();

        return LoadReport.Create(o, run.Stats, sink.Typing, sink.Unmatched, sink.Duplicates,
            new MemoryFigures(rssReady, rssMinute1, rssEnd, Math.Max(rssPeak, rssEnd)),
            new CpuFigures(cpu.Server / elapsed, cpu.Self / elapsed, Environment.ProcessorCount),
            loadBefore, MachineLoad.Read());
    }

    /// <summary>The <paramref name="replica"/>th server: each replica after the first logs to its own file.</summary>
    private static ServerStart ServerStartOf(LoadOptions o, int replica, IReadOnlyDictionary<string, string> environment)
    {
        // Emulator mode whatever the caller's environment says: replies may then only go to loopback, i.e. to our sink.
        var settings = new Dictionary<string, string> { ["QaBot__Bot__MicrosoftAppId"] = "" };
        for (var i = 0; i < o.CorpusPaths.Count; i++) settings[$"QaBot__Corpus__Paths__{i}"] = o.CorpusPaths[i];
        foreach (var (key, value) in o.ServerEnvironment.Concat(environment)) settings[key] = value;
        return new ServerStart(o.ServerDll, o.WorkingDirectory)
        {
            Settings = settings,
            LogPath = replica == 0 ? o.ServerLog : $"{o.ServerLog}.{replica}",
            ReadyTimeout = o.ReadyTimeout,
        };
    }

    /// <summary>What every conversation of one run shares; the measured window is in Stopwatch timestamps.</summary>
    private sealed class Run(ChannelSink sink, Replicas servers, QuestionSet questions, LoadStats stats, long measureFrom, long measureUntil)
    {
        private long _sent;

        public ChannelSink Sink => sink;

        public Replicas Servers => servers;

        public QuestionSet Questions => questions;

        public LoadStats Stats => stats;

        public long MeasureFrom => measureFrom;

        public long MeasureUntil => measureUntil;

        private long _slackTs;

        /// <summary>A fresh Slack message timestamp: unique, shaped as Slack's "seconds.micros".</summary>
        public string NextSlackTs() => $"1800000000.{Interlocked.Increment(ref _slackTs):D6}";

        /// <summary>Takes one question from the budget; false once it is spent.</summary>
        public bool TryTakeQuestion(int max) => Interlocked.Increment(ref _sent) <= max;
    }

    private async Task ConverseAsync(int worker, Run run, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var random = new Random(o.Seed + worker);
        for (var n = 0; ; n++)
        {
            // Fresh conversation and user ids, so a per-conversation or per-user rate limit is not what gets measured.
            var conversationId = $"load-{worker}-{n}";
            var userId = $"user-{worker}-{n}";
            var history = new List<ConversationTurn>();
            var overSlack = worker < o.Concurrency * o.SlackShare;
            string? slackThread = null;
            for (var turn = 0; turn < o.TurnsPerConversation; turn++)
            {
                var started = Stopwatch.GetTimestamp();
                if (started >= run.MeasureUntil || cancellationToken.IsCancellationRequested || !run.TryTakeQuestion(o.MaxQuestions)) return;
                var question = run.Questions.Pick(random, turn);
                // Round robin per turn: consecutive turns of a conversation land on different replicas.
                var server = run.Servers.Pick(worker + n + turn);
                var (outcome, reply) = overSlack
                    ? await AskOverSlackAsync(run, server, run.Servers.Pick(worker + n + turn + 1), conversationId, userId, turn, question, slackThread, cancellationToken)
                    : await AskAsync(run, server, conversationId, userId, question, cancellationToken);
                // A failure on a replica killed while the question was in flight is what the kill costs, not an error.
                if (outcome is Outcome.HttpError or Outcome.SendFailed or Outcome.MissingAnswer && server.KilledAfter(started)) outcome = Outcome.LostInFlight;
                var replied = outcome is Outcome.Answered or Outcome.Declined;
                // Questions asked in the window count for latency and errors; answers received in it, for throughput.
                if (started >= run.MeasureFrom) run.Stats.Record(outcome, reply is null ? null : Stopwatch.GetElapsedTime(started, reply.ArrivedTimestamp));
                if (replied && reply!.ArrivedTimestamp >= run.MeasureFrom && reply.ArrivedTimestamp < run.MeasureUntil) run.Stats.CountReplyInWindow();
                if (!replied) break;
                if (run.Servers.AnyKilledBy(reply!.ArrivedTimestamp)) run.Stats.CountAnswerAfterKill();
                // A follow-up the offline rewriter reads in context when it has the history, answered as if it had none: the
                // replica that answered it did not see the conversation's earlier turns.
                slackThread ??= reply!.ThreadTs;
                if (!overSlack && history.Count > 0 && started >= run.MeasureFrom && HeuristicFollowUpRewriter.Rewrite(question, history).IsFollowUp
                    && string.Equals(reply!.StandaloneQuestion, question.Trim(), StringComparison.Ordinal)) run.Stats.CountLostFollowUp();
                history.Add(new ConversationTurn(question, reply!.StandaloneQuestion ?? question, reply.Text ?? "", [], DateTimeOffset.UtcNow));
            }
        }
    }

    private async Task<(Outcome, BotReply?)> AskAsync(Run run, Replica server, string conversationId, string userId, string question, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var reply = run.Sink.Expect(id, conversationId);
        try
        {
            var activity = new
            {
                type = "message",
                id,
                timestamp = DateTime.UtcNow.ToString("o"),
                serviceUrl = run.Sink.ServiceUrl,
                channelId = "emulator",
                from = new { id = userId, name = "Load", role = "user" },
                recipient = new { id = "qabot", name = "QaBot", role = "bot" },
                conversation = new { id = conversationId },
                text = question,
                locale = "en-US",
            };
            using (var response = await server.Http.PostAsJsonAsync("api/messages", activity, cancellationToken))
            {
                if (response.StatusCode == HttpStatusCode.TooManyRequests) return (Outcome.RateLimited, null);
                if (!response.IsSuccessStatusCode) return (Outcome.HttpError, null);
            }
            var answer = await reply.WaitAsync(options.Value.AnswerTimeout, cancellationToken);
            return (Classify(answer), answer);
        }
        catch (TimeoutException)
        {
            return (Outcome.MissingAnswer, null);
        }
        catch (HttpRequestException)
        {
            return (Outcome.SendFailed, null);
        }
        finally
        {
            run.Sink.Forget(id);
        }
    }

    /// <summary>
    /// Asks over Slack's Events API: a direct message (a reply in the conversation's thread after the first), signed as
    /// Slack signs it, sent to <paramref name="server"/> and then redelivered to <paramref name="retryServer"/> as Slack
    /// retries an event whose acknowledgement was late. The answer is the bot's chat.postMessage in the thread.
    /// </summary>
    private async Task<(Outcome, BotReply?)> AskOverSlackAsync(Run run, Replica server, Replica retryServer, string conversationId, string userId,
        int turn, string question, string? thread, CancellationToken cancellationToken)
    {
        var ts = run.NextSlackTs();
        var threadTs = thread ?? ts;
        var reply = run.Sink.ExpectSlack(threadTs);
        var body = JsonSerializer.Serialize(new
        {
            type = "event_callback",
            team_id = "TLOAD",
            api_app_id = "ALOAD",
            event_id = $"Ev{conversationId}-{turn}",
            event_time = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            @event = new
            {
                type = "message",
                channel_type = "im",
                channel = $"D{conversationId}",
                user = $"U{userId}",
                text = question,
                ts,
                thread_ts = thread,
                team = "TLOAD",
            },
        });
        try
        {
            using (var request = SignedSlackRequest(body, retry: 0))
            using (var response = await server.Http.SendAsync(request, cancellationToken))
            {
                if (response.StatusCode == HttpStatusCode.TooManyRequests) return (Outcome.RateLimited, null);
                if (!response.IsSuccessStatusCode) return (Outcome.HttpError, null);
            }
            try
            {
                using var redelivery = SignedSlackRequest(body, retry: 1);
                (await retryServer.Http.SendAsync(redelivery, cancellationToken)).Dispose();
            }
            catch (HttpRequestException) when (!retryServer.IsUp)
            {
                // The redelivery met a replica killed meanwhile; the event was acknowledged once already.
            }
            var answer = await reply.WaitAsync(options.Value.AnswerTimeout, cancellationToken);
            return (Classify(answer), answer with { ThreadTs = threadTs });
        }
        catch (TimeoutException)
        {
            return (Outcome.MissingAnswer, null);
        }
        catch (HttpRequestException)
        {
            return (Outcome.SendFailed, null);
        }
    }

    private static HttpRequestMessage SignedSlackRequest(string body, int retry)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(SlackSigningSecret), Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}"));
        var request = new HttpRequestMessage(HttpMethod.Post, "api/slack/events") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        request.Headers.Add("X-Slack-Signature", "v0=" + Convert.ToHexStringLower(signature));
        if (retry > 0)
        {
            request.Headers.Add("X-Slack-Retry-Num", retry.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("X-Slack-Retry-Reason", "http_timeout");
        }
        return request;
    }

    private static Outcome Classify(BotReply reply) => reply switch
    {
        { Misrouted: true } => Outcome.Misrouted,
        { Text: null } => Outcome.PoliteError,
        { Text: var t } when t.StartsWith(PoliteErrorPrefix, StringComparison.Ordinal) => Outcome.PoliteError,
        { Text: var t } when t.StartsWith(AnswerService.RateLimitedText, StringComparison.Ordinal) => Outcome.RateLimited,
        { Text: var t } when t.StartsWith(Answer.DeclineText, StringComparison.Ordinal) => Outcome.Declined,
        _ => Outcome.Answered,
    };

    /// <summary>RSS every few seconds (for the peak) and, in a soak, one minute into the measured run (the growth baseline).</summary>
    private static async Task<(long? Minute1, long Peak)> SampleRssAsync(Replicas servers, Run run, CancellationToken cancellationToken)
    {
        long? minute1 = null;
        long peak = 0;
        var baselineAt = run.MeasureFrom + Seconds(SoakBaselineAfter.TotalSeconds);
        using var timer = new PeriodicTimer(RssSampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var rss = servers.ReadRssBytes();
                peak = Math.Max(peak, rss);
                if (minute1 is null && Stopwatch.GetTimestamp() >= baselineAt) minute1 = rss;
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
        return (minute1, peak);
    }

    /// <summary>Kills the last replica at <paramref name="at"/>; from then on its conversations' turns go to the others.</summary>
    private async Task KillLastReplicaAsync(Replicas servers, long at, CancellationToken cancellationToken)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), at);
        try
        {
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return; // The run ended first.
        }
        var victim = servers.KillLast();
        LogKilled(logger, victim.Process.Id, victim.Process.BaseUrl);
    }

    private static long Seconds(double seconds) => (long)(seconds * Stopwatch.Frequency);

    [LoggerMessage(Level = LogLevel.Information, Message = "Server {Pid} ready at {BaseUrl}; its output goes to {Log}")]
    private static partial void LogStarted(ILogger logger, int pid, Uri baseUrl, string? log);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Replicas} server(s) ready ({Questions} questions, RSS {RssMb:F0} MB in all); {Warmup} s warm-up, then {Seconds} s measured with {Concurrency} conversations")]
    private static partial void LogReady(ILogger logger, int replicas, int questions, double rssMb, int warmup, int seconds, int concurrency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Killed replica {Pid} at {BaseUrl} (SIGKILL)")]
    private static partial void LogKilled(ILogger logger, int pid, Uri baseUrl);
}
