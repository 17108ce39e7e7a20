using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using QaBot.Channels.BotFramework.Tests.Infrastructure;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>
/// The shared turn runner seen from /api/messages: a hung channel delays only its own conversation; a full queue is
/// refused and reported; the real server process stopped with SIGTERM still answers what it accepted.
/// </summary>
public sealed class TurnTests
{
    [Fact]
    public async Task Conversations_whose_channel_never_answers_do_not_delay_another_conversation()
    {
        await using var channel = await FakeChannel.StartAsync();
        using var dead = new SilentServer();
        // Replies to the hung channel wait the whole send timeout, far longer than the live answer may take.
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?> { ["QaBot:Turns:SendTimeout"] = "00:00:30" });

        // More hung conversations than answers may run at once (QaBot:Turns:MaxConcurrentAnswers is 4).
        for (var i = 0; i < 16; i++)
        {
            using var accepted = await server.Http.PostAsync(server.MessagesUrl, Activities.Message(dead.ServiceUrl, Activities.NewConversationId(), "How much have Honda sales dropped?"));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        var live = Activities.NewConversationId();
        using var response = await server.Http.PostAsync(server.MessagesUrl, Activities.Message(channel.ServiceUrl, live, "How much have Honda sales dropped?"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var received = await channel.WaitForAsync(r => r.Any(a => a.ConversationId == live && a.Type == "message"), TimeSpan.FromSeconds(10));
        Assert.Contains("24.2%", received.Single(a => a.ConversationId == live && a.Type == "message").Text);
    }

    [Fact]
    public async Task A_full_turn_queue_answers_503_and_readyz_says_busy()
    {
        using var dead = new SilentServer();
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["QaBot:Turns:MaxQueuedTurns"] = "2",
            ["QaBot:Turns:SendTimeout"] = "00:00:30",
        });

        for (var i = 0; i < 2; i++)
        {
            using var accepted = await server.Http.PostAsync(server.MessagesUrl, Activities.Message(dead.ServiceUrl, Activities.NewConversationId(), "How much have Honda sales dropped?"));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        using var refused = await server.Http.PostAsync(server.MessagesUrl, Activities.Message(dead.ServiceUrl, Activities.NewConversationId(), "How much have Honda sales dropped?"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);

        using var ready = await server.Http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("busy", (string?)(await ready.Content.ReadFromJsonAsync<JsonObject>())!["status"]);
    }

    [Fact]
    public async Task One_conversation_with_too_many_waiting_turns_gets_429()
    {
        using var dead = new SilentServer();
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["QaBot:Turns:MaxQueuedPerConversation"] = "2",
            ["QaBot:Turns:SendTimeout"] = "00:00:30",
        });

        var conversation = Activities.NewConversationId();
        for (var i = 0; i < 2; i++)
        {
            using var accepted = await server.Http.PostAsync(server.MessagesUrl, Activities.Message(dead.ServiceUrl, conversation, "How much have Honda sales dropped?"));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        using var refused = await server.Http.PostAsync(server.MessagesUrl, Activities.Message(dead.ServiceUrl, conversation, "How much have Honda sales dropped?"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        // Another conversation is still welcome.
        using var other = await server.Http.PostAsync(server.MessagesUrl, Activities.Message(dead.ServiceUrl, Activities.NewConversationId(), "How much have Honda sales dropped?"));
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
    }

    [Fact]
    public async Task A_channel_that_refuses_every_reply_is_logged_once_per_retry_and_once_for_the_turn_without_stack_traces()
    {
        // The three retries' jittered back-off takes up to about 11.5 s, more than the default 10 s send timeout about
        // one time in five; with the longest timeout allowed every retry runs and the turn fails on the refusal.
        await using var server = await TestServer.StartAsync(new Dictionary<string, string>
        {
            ["QaBot:Bot:MicrosoftAppId"] = "",
            ["QaBot:Turns:SendTimeout"] = "00:00:30",
        });
        using var http = new HttpClient();
        var conversation = Activities.NewConversationId();
        // Nothing listens at this serviceUrl, so every send is refused.
        var deadChannel = $"http://127.0.0.1:{QaBot.Processes.FreePort.Next()}/";

        using var response = await http.PostAsync(new Uri(server.BaseUrl, "api/messages"), Activities.Message(deadChannel, conversation, "How much have Honda sales dropped?"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await server.WaitForOutputAsync($"A turn of conversation emulator:{conversation} failed", TimeSpan.FromSeconds(60));

        var lines = server.Output.Split('\n');
        var failure = Array.FindIndex(lines, l => l.Contains($"A turn of conversation emulator:{conversation} failed", StringComparison.Ordinal));
        // The reasons, on the one indented line that follows.
        Assert.StartsWith("    HttpRequestException: Connection refused", lines[failure + 1], StringComparison.Ordinal);
        Assert.True(failure + 2 == lines.Length || !lines[failure + 2].StartsWith(' '), lines[failure + 2]);
        Assert.Equal(3, lines.Count(l => l.StartsWith("warn: Polly", StringComparison.Ordinal) && l.Contains("'OnRetry'", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.Contains("Execution attempt", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", server.Output);
    }

    [Fact]
    public async Task A_server_stopped_while_it_starts_exits_0_with_one_line()
    {
        // A "Redis" that accepts connections and never answers holds the start-up in its connection attempt.
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var server = await TestServer.StartAsync(new Dictionary<string, string>
        {
            ["QaBot:State:Provider"] = "Redis",
            ["QaBot:State:Redis:Configuration"] = $"127.0.0.1:{port},connectTimeout=3000",
            ["QaBot:Bot:MicrosoftAppId"] = "",
        }, waitUntilReady: false);
        using var held = await silent.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var exitCode = await server.StopAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exitCode);
        Assert.Contains("Stopped while starting, before listening.", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", server.Output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", server.Output);
    }

    [Fact]
    public async Task A_stopping_server_answers_every_question_it_accepted_and_exits_0()
    {
        await using var channel = await FakeChannel.StartAsync();
        // Each reply takes the channel a while, so turns are still queued and running when the signal comes.
        channel.ReplyDelay = TimeSpan.FromMilliseconds(150);
        await using var server = await TestServer.StartAsync(new Dictionary<string, string> { ["QaBot:Bot:MicrosoftAppId"] = "" });
        using var http = new HttpClient();
        var conversations = Enumerable.Range(0, 6).Select(_ => Activities.NewConversationId()).ToList();
        foreach (var conversation in conversations)
        {
            foreach (var question in new[] { "How much have Honda sales dropped?", "and Toyota?" })
            {
                using var response = await http.PostAsync(new Uri(server.BaseUrl, "api/messages"), Activities.Message(channel.ServiceUrl, conversation, question));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
        }

        var exit = await server.StopAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 0, $"exit {exit}:\n{server.Output}");
        Assert.Contains("Stopping: answering the", server.Output, StringComparison.Ordinal);
        // The host's own account of stopping keeps the configured level (Information): no Debug lines.
        Assert.DoesNotContain("dbug:", server.Output, StringComparison.Ordinal);
        Assert.All(conversations, conversation =>
            Assert.Equal(2, channel.Received.Count(a => a.ConversationId == conversation && a.Type == "message")));
    }
}
