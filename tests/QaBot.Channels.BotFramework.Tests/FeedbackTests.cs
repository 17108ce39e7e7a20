using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Channels.BotFramework.Tests.Infrastructure;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>Thumbs up/down from Teams (invoke message/submitAction) and Web Chat (feedback event), tied to the rated answer.</summary>
public sealed class FeedbackTests(EmulatorModeFixture fixture) : IClassFixture<EmulatorModeFixture>
{
    private readonly FakeChannel _channel = fixture.Channel;
    private readonly BotServer _server = fixture.Server;

    [Fact]
    public async Task TeamsFeedbackInvoke_Gets200WithEmptyBody_AndIsRecordedWithTheRatedAnswer()
    {
        var conversation = Activities.NewConversationId();
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?", channelId: "msteams"))).Dispose();
        var answerId = await AnswerIdAsync(conversation);

        var invoke = Activities.Message(_channel.ServiceUrl, conversation, "", channelId: "msteams");
        invoke["type"] = "invoke";
        invoke["name"] = "message/submitAction";
        invoke["replyToId"] = answerId;
        invoke["value"] = new JsonObject
        {
            ["actionName"] = "feedback",
            ["actionValue"] = new JsonObject { ["reaction"] = "dislike", ["feedback"] = "{\"feedbackText\":\"Too short\"}" },
        };
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, invoke);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var record = Assert.Single(await FeedbackAsync(conversation));
        Assert.Equal(("msteams", answerId, "dislike", "Too short"), (record.ChannelId, record.ActivityId, record.Reaction, record.Comment));
        Assert.Equal("How much have Honda sales dropped?", record.Question);
        Assert.Contains("24.2%", record.Answer);
    }

    [Fact]
    public async Task TeamsFeedbackInvoke_WithoutAReaction_Gets400()
    {
        var invoke = Activities.Message(_channel.ServiceUrl, Activities.NewConversationId(), "", channelId: "msteams");
        invoke["type"] = "invoke";
        invoke["name"] = "message/submitAction";
        invoke["value"] = new JsonObject { ["actionName"] = "feedback", ["actionValue"] = new JsonObject { ["reaction"] = "meh" } };
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, invoke);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("reaction", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WebChatFeedbackEvent_EchoingTheOfferedAction_IsRecordedWithTheRatedAnswer()
    {
        var conversation = Activities.NewConversationId();
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?", channelId: "webchat"))).Dispose();
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
        var record = await WaitForFeedbackAsync(conversation);
        Assert.Equal(("webchat", "like", "How much have Honda sales dropped?"), (record.ChannelId, record.Reaction, record.Question));
        Assert.Equal((string?)like["@id"], record.ActivityId);
    }

    /// <summary>The id the Connector gave the answer, once the bot has been told it (the bot learns it from the Connector's response).</summary>
    private async Task<string> AnswerIdAsync(string conversation)
    {
        var id = (await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"))).Single(a => a.Type == "message").AssignedId;
        var sent = _server.Services.GetRequiredService<SentAnswers>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (sent.Find(conversation, id) is null) await Task.Delay(20, cts.Token);
        return id;
    }

    private async Task<IReadOnlyList<FeedbackRecord>> FeedbackAsync(string conversation) =>
        [.. (await _server.Services.GetRequiredService<IFeedbackStore>().ListAsync(default)).Where(f => f.ConversationId == conversation)];

    private async Task<FeedbackRecord> WaitForFeedbackAsync(string conversation)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            if ((await FeedbackAsync(conversation)).SingleOrDefault() is { } record) return record;
            await Task.Delay(50, cts.Token); // The event is handled by the background worker.
        }
    }
}
