using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using QaBot.Channels.BotFramework.Tests.Infrastructure;
using QaBot.Feedback;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>Two real server processes sharing one real Redis (QaBot:State:Provider=Redis), as replicas behind a load balancer.</summary>
public sealed class SharedStateTests
{
    [SkippableFact]
    public async Task A_conversation_whose_messages_alternate_between_replicas_keeps_its_follow_ups()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var channel = await FakeChannel.StartAsync();
        // Emulator mode (no app id): replies go to the loopback fake channel.
        var settings = new Dictionary<string, string>
        {
            ["QaBot:State:Provider"] = "Redis",
            ["QaBot:State:Redis:Configuration"] = redis.Configuration,
            ["QaBot:Bot:MicrosoftAppId"] = "",
        };
        await using var first = await TestServer.StartAsync(settings);
        await using var second = await TestServer.StartAsync(settings);
        using var http = new HttpClient();
        var conversation = Activities.NewConversationId();
        var turns = new[] { (first, "How much have Honda sales dropped?"), (second, "and Toyota?"), (first, "and Nissan?") };
        foreach (var (i, (server, question)) in turns.Index())
        {
            using var response = await http.PostAsync(new Uri(server.BaseUrl, "api/messages"), Activities.Message(channel.ServiceUrl, conversation, question));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await channel.WaitForConversationAsync(conversation, r => r.Count(a => a.Type == "message") > i);
        }

        // Each replica read the turns the other one stored, and rewrote the follow-ups with them.
        var stored = await redis.Connection.GetDatabase().ListRangeAsync($"qabot:conversation:{conversation}");
        var standalone = stored.Select(t => JsonDocument.Parse((string)t!).RootElement.GetProperty("StandaloneQuestion").GetString()).ToList();
        Assert.Equal(["How much have Honda sales dropped?", "How much have Toyota sales dropped?", "How much have Nissan sales dropped?"], standalone);
        var answers = (await channel.WaitForConversationAsync(conversation, r => r.Count(a => a.Type == "message") >= 3)).Where(a => a.Type == "message").ToList();
        Assert.All(answers, a => Assert.DoesNotContain("couldn't find", a.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_Redis_a_question_gets_the_apology_and_a_log_line_without_a_stack_trace()
    {
        await using var channel = await FakeChannel.StartAsync();
        await using var server = await TestServer.StartAsync(new Dictionary<string, string>
        {
            ["QaBot:State:Provider"] = "Redis",
            // Nothing listens there.
            ["QaBot:State:Redis:Configuration"] = $"127.0.0.1:{QaBot.Processes.FreePort.Next()},connectTimeout=500,asyncTimeout=1000",
            ["QaBot:Bot:MicrosoftAppId"] = "",
        });
        using var http = new HttpClient();
        var conversation = Activities.NewConversationId();

        using var response = await http.PostAsync(new Uri(server.BaseUrl, "api/messages"), Activities.Message(channel.ServiceUrl, conversation, "How much have Honda sales dropped?"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var reply = (await channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"))).Single(a => a.Type == "message");

        Assert.Equal(QaBot.Turns.TurnRunner.FailureText, reply.Text);
        await server.WaitUntilIdleAsync();
        Assert.Contains($"Answering failed in conversation {conversation}", server.Output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", server.Output);
    }

    [SkippableFact]
    public async Task A_wrong_Redis_password_is_logged_as_such_not_as_an_unreachable_server()
    {
        await using var redis = await RedisServer.StartAsync();
        // The test's own connection stays signed in; every new one must give this password.
        await redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]).ExecuteAsync("CONFIG", "SET", "requirepass", "the-right-one");
        await using var server = await TestServer.StartAsync(new Dictionary<string, string>
        {
            ["QaBot:State:Provider"] = "Redis",
            ["QaBot:State:Redis:Configuration"] = redis.Configuration + ",password=a-wrong-one",
            ["QaBot:Bot:MicrosoftAppId"] = "",
        });

        await server.WaitForOutputAsync("is unreachable", TimeSpan.FromSeconds(60));
        var line = server.Output.Split('\n').Single(l => l.Contains("is unreachable", StringComparison.Ordinal));
        Assert.Contains("(AuthenticationFailure: ", line, StringComparison.Ordinal);
        Assert.Contains("password", line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("a-wrong-one", server.Output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_vote_reaching_the_other_replica_is_stored_with_the_answer_it_rates_and_exported_by_the_cli()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var channel = await FakeChannel.StartAsync();
        var folder = Directory.CreateTempSubdirectory("qabot-votes-");
        try
        {
            var votes = Path.Combine(folder.FullName, "feedback.db");
            var settings = new Dictionary<string, string>
            {
                ["QaBot:State:Provider"] = "Redis",
                ["QaBot:State:Redis:Configuration"] = redis.Configuration,
                ["QaBot:Bot:MicrosoftAppId"] = "",
                ["QaBot:Feedback:Path"] = votes,
            };
            await using var first = await TestServer.StartAsync(settings);
            await using var second = await TestServer.StartAsync(settings);
            using var http = new HttpClient();
            var conversation = Activities.NewConversationId();
            const string Question = "How much have Honda sales dropped?";
            (await http.PostAsync(new Uri(first.BaseUrl, "api/messages"), Activities.Message(channel.ServiceUrl, conversation, Question, channelId: "msteams"))).Dispose();
            var answer = (await channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"))).Single(a => a.Type == "message");
            // The answering replica remembers the answer under the id the Connector gave it, once the Connector has answered.
            var remembered = $"qabot:answer:{conversation}\n{answer.AssignedId}";
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                while (!await redis.Connection.GetDatabase().KeyExistsAsync(remembered)) await Task.Delay(50, cts.Token);

            using var response = await http.PostAsync(new Uri(second.BaseUrl, "api/messages"), FeedbackTests.TeamsFeedback(channel, conversation, answer.AssignedId, "dislike", null));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var store = SqliteFeedbackStore.Open(new FeedbackOptions { Path = votes, ReadOnly = true });
            var vote = Assert.Single(await store.QueryAsync(new FeedbackQuery(), default), v => v.ConversationId == conversation);
            Assert.Equal((Vote.Down, Question), (vote.Vote, vote.Question));
            Assert.NotNull(vote.Answer);
            Assert.Contains(vote.Answer, answer.Text, StringComparison.Ordinal);

            // The CLI, as its own process over the same file, turns the thumbs-down into an eval test case.
            var export = await BuiltTools.RunCliAsync(new Dictionary<string, string> { ["QaBot__Feedback__Path"] = votes }, "feedback", "export", "--down");
            Assert.True(export.ExitCode == 0, $"exit {export.ExitCode}: {export.Output}");
            var exported = Assert.Single(export.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains(conversation, StringComparison.Ordinal));
            var testCase = JsonNode.Parse(exported)!;
            Assert.Equal((Question, vote.Answer, "down", "msteams"),
                ((string?)testCase["question"], (string?)testCase["bot_answer"], (string?)testCase["vote"], (string?)testCase["channel"]));
            // The eval set's fields, left for the reviewer to label.
            Assert.Empty(testCase["expect_any"]!.AsArray());
            Assert.NotNull(testCase["answerable"]);
            Assert.Equal(vote.Citations.Count, testCase["bot_sources"]!.AsArray().Count);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
