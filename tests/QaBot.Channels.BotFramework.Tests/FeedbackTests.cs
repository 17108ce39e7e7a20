using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Channels.BotFramework.Tests.Infrastructure;
using QaBot.Feedback;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>Thumbs up/down from Teams (invoke message/submitAction, reactions) and Web Chat (feedback event), stored with the rated answer.</summary>
public sealed class FeedbackTests(EmulatorModeFixture fixture) : IClassFixture<EmulatorModeFixture>
{
    private const string Question = "How much have Honda sales dropped?";
    private readonly FakeChannel _channel = fixture.Channel;
    private readonly InProcessServer _server = fixture.Server;

    [Fact]
    public async Task TeamsFeedbackInvoke_Gets200WithEmptyBody_AndIsStoredWithTheRatedAnswerAndItsSources()
    {
        var conversation = Activities.NewConversationId();
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, Question, channelId: "msteams"))).Dispose();
        var answerId = await AnswerIdAsync(_server, _channel, conversation);

        using var response = await _server.Http.PostAsync(_server.MessagesUrl, TeamsFeedback(_channel, conversation, answerId, "dislike", "Too short"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var record = Assert.Single(await VotesAsync(_server, conversation));
        Assert.Equal(("msteams", answerId, Vote.Down, "dislike", "Too short", Activities.UserId),
            (record.Channel, record.MessageRef, record.Vote, record.Reaction, record.Comment, record.UserId));
        Assert.Equal(Question, record.Question);
        // The answer and sources are the ones the user saw: compare with the message the channel received.
        var shown = (await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"))).Single(a => a.Type == "message");
        Assert.NotNull(record.Answer);
        Assert.Contains(record.Answer, shown.Text, StringComparison.Ordinal);
        Assert.NotEmpty(record.Citations);
        Assert.All(record.Citations, c => Assert.Contains(c.Title, shown.Activity.ToJsonString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"meh\"")]
    [InlineData("5")]
    [InlineData("null")]
    public async Task TeamsFeedbackInvoke_WithoutAReaction_Gets400(string reaction)
    {
        var invoke = TeamsFeedback(_channel, Activities.NewConversationId(), "any", "like", null);
        invoke["value"]!["actionValue"]!["reaction"] = JsonNode.Parse(reaction);
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, invoke);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("reaction", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("heart", Vote.Up)]
    [InlineData("angry", Vote.Down)]
    public async Task TeamsReactions_AreVotes(string reaction, Vote expected)
    {
        var conversation = Activities.NewConversationId();
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, Question, channelId: "msteams"))).Dispose();
        var answerId = await AnswerIdAsync(_server, _channel, conversation);

        (await _server.Http.PostAsync(_server.MessagesUrl, Reaction(conversation, answerId, "surprised"))).Dispose();
        (await _server.Http.PostAsync(_server.MessagesUrl, Reaction(conversation, answerId, reaction))).Dispose();

        // "surprised" is no vote: only the second reaction is stored.
        var record = await WaitForVoteAsync(conversation);
        Assert.Equal((expected, reaction, Question), (record.Vote, record.Reaction, record.Question));
    }

    [Fact]
    public async Task WebChatFeedbackEvent_EchoingTheOfferedAction_IsStoredWithTheRatedAnswer()
    {
        var conversation = Activities.NewConversationId();
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, Question, channelId: "webchat"))).Dispose();
        var answer = (await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"))).Single(a => a.Type == "message");
        var offered = answer.Activity["entities"]![0]!["potentialAction"]!.AsArray();
        var like = offered.Single(a => (string?)a!["@type"] == "LikeAction")!.DeepClone();

        var feedback = Activities.Message(_channel.ServiceUrl, conversation, "", channelId: "webchat");
        feedback.Remove("text");
        feedback["type"] = "event";
        feedback["name"] = "webchat:activity-status/feedback";
        feedback["entities"] = new JsonArray(like);
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, feedback);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var record = await WaitForVoteAsync(conversation);
        Assert.Equal(("webchat", Vote.Up, "like", Question), (record.Channel, record.Vote, record.Reaction, record.Question));
        Assert.Equal((string?)like["@id"], record.MessageRef);
        Assert.NotEmpty(record.Citations);
    }

    internal static JsonObject TeamsFeedback(FakeChannel channel, string conversation, string answerId, string reaction, string? comment)
    {
        var invoke = Activities.Message(channel.ServiceUrl, conversation, "", channelId: "msteams");
        invoke["type"] = "invoke";
        invoke["name"] = "message/submitAction";
        invoke["replyToId"] = answerId;
        var action = new JsonObject { ["reaction"] = reaction };
        if (comment is not null) action["feedback"] = new JsonObject { ["feedbackText"] = comment }.ToJsonString();
        invoke["value"] = new JsonObject { ["actionName"] = "feedback", ["actionValue"] = action };
        return invoke;
    }

    /// <summary>The id the Connector gave the answer, once the bot has been told it (the bot learns it from the Connector's response).</summary>
    internal static async Task<string> AnswerIdAsync(InProcessServer server, FakeChannel channel, string conversation)
    {
        var id = (await channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"))).Single(a => a.Type == "message").AssignedId;
        var sent = server.Services.GetRequiredService<ISentAnswerStore>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await sent.FindAsync(conversation, id, cts.Token) is null) await Task.Delay(20, cts.Token);
        return id;
    }

    internal static async Task<IReadOnlyList<FeedbackRecord>> VotesAsync(InProcessServer server, string conversation) =>
        [.. (await server.Services.GetRequiredService<IFeedbackStore>().QueryAsync(new FeedbackQuery(), default)).Where(f => f.ConversationId == conversation)];

    private JsonObject Reaction(string conversation, string answerId, string type)
    {
        var reaction = Activities.Message(_channel.ServiceUrl, conversation, "", channelId: "msteams");
        reaction.Remove("text");
        reaction["type"] = "messageReaction";
        reaction["replyToId"] = answerId;
        reaction["reactionsAdded"] = new JsonArray(new JsonObject { ["type"] = type });
        return reaction;
    }

    private async Task<FeedbackRecord> WaitForVoteAsync(string conversation)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            if ((await VotesAsync(_server, conversation)).SingleOrDefault() is { } record) return record;
            await Task.Delay(50, cts.Token); // The activity is handled by the background worker.
        }
    }
}

/// <summary>The votes file outlives the server: stop it, start another on the same file, the votes are there.</summary>
public sealed class FeedbackRestartTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "qabot-feedback-" + Guid.NewGuid().ToString("N"));
    private FakeChannel _channel = null!;

    private string DbPath => Path.Combine(_folder, "feedback.db");

    public async Task InitializeAsync() => _channel = await FakeChannel.StartAsync();

    [Fact]
    public async Task Votes_survive_a_restart_of_the_server()
    {
        var conversation = Activities.NewConversationId();
        var settings = new Dictionary<string, string?> { ["QaBot:Feedback:Path"] = DbPath };
        await using (var first = await InProcessServer.StartAsync(settings))
        {
            (await first.Http.PostAsync(first.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?", channelId: "msteams"))).Dispose();
            var answerId = await FeedbackTests.AnswerIdAsync(first, _channel, conversation);
            using var response = await first.Http.PostAsync(first.MessagesUrl, FeedbackTests.TeamsFeedback(_channel, conversation, answerId, "dislike", "Missed the point"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await using var second = await InProcessServer.StartAsync(settings);
        var vote = Assert.Single(await FeedbackTests.VotesAsync(second, conversation));

        Assert.Equal((Vote.Down, "Missed the point", "How much have Honda sales dropped?"), (vote.Vote, vote.Comment, vote.Question));
        Assert.NotNull(vote.Answer);
    }

    public async Task DisposeAsync()
    {
        await _channel.DisposeAsync();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
