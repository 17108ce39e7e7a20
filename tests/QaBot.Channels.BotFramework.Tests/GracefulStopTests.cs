using System.Net;
using QaBot.Channels.BotFramework.Tests.Infrastructure;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>The real server process stopped as an orchestrator stops it (SIGTERM) while it still has questions to answer.</summary>
public sealed class GracefulStopTests
{
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
        Assert.All(conversations, conversation =>
            Assert.Equal(2, channel.Received.Count(a => a.ConversationId == conversation && a.Type == "message")));
    }
}
