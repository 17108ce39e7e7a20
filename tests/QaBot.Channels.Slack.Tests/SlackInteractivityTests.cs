using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Feedback;

namespace QaBot.Channels.Slack.Tests;

/// <summary>The 👍/👎 buttons under each answer: Slack's signed interactivity requests become stored votes, and the voter is thanked.</summary>
[Collection(SlackServerCollection.Name)]
public sealed class SlackInteractivityTests(SlackServerFixture server)
{
    private const string Question = "How much did Honda's sales drop in China?";

    [Fact]
    public async Task A_thumbs_down_click_is_acknowledged_stored_with_the_answer_and_exported_by_the_cli()
    {
        var channel = SlackRequests.NewChannel();
        var (threadTs, reference) = await AskAsync(channel);

        using var response = await PostAsync(SlackRequests.Interaction(SlackRequests.BlockActions(channel, threadTs, SlackInteractivityEndpoint.DownActionId, reference)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var vote = Assert.Single(await VotesAsync(channel));
        Assert.Equal((Vote.Down, Question, $"slack:{FakeSlackApi.TeamId}:UALICE"), (vote.Vote, vote.Question, vote.UserId));
        var shown = (await server.Slack.WaitForMessagesAsync(channel)).Single().Field("text")!;
        Assert.NotNull(vote.Answer);
        Assert.Contains(vote.Answer, shown, StringComparison.Ordinal);
        Assert.NotEmpty(vote.Citations);
        // Thanked in the answer's thread by a message only the voter sees, at the configured Web API (not the payload's response_url).
        var thanks = Assert.Single(await server.Slack.WaitForEphemeralsAsync(channel));
        Assert.Equal(("UALICE", threadTs, SlackInteractivityEndpoint.ThanksText(Vote.Down)), (thanks.Field("user"), thanks.Field("thread_ts"), thanks.Field("text")));
        Assert.Equal($"Bearer {FakeSlackApi.Token}", thanks.Authorization);

        // The CLI, reading the same file, turns it into a test case.
        var (exit, stdout, stderr) = await BuiltTools.RunCliAsync(new Dictionary<string, string> { ["QaBot__Feedback__Path"] = server.FeedbackPath },
            "feedback", "export", "--down", "--channel", "slack");
        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        var exported = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).Single(c => (string?)c["conversation_id"] == vote.ConversationId);
        Assert.Equal((Question, vote.Answer), ((string?)exported["question"], (string?)exported["bot_answer"]));
        Assert.Equal(vote.Citations.Count, exported["bot_sources"]!.AsArray().Count);
    }

    [Fact]
    public async Task Changing_ones_mind_replaces_the_vote()
    {
        var channel = SlackRequests.NewChannel();
        var (threadTs, reference) = await AskAsync(channel);

        foreach (var action in new[] { SlackInteractivityEndpoint.DownActionId, SlackInteractivityEndpoint.UpActionId })
        {
            using var response = await PostAsync(SlackRequests.Interaction(SlackRequests.BlockActions(channel, threadTs, action, reference)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(Vote.Up, Assert.Single(await VotesAsync(channel)).Vote);
        // Each click is thanked with the vote it recorded; the two thanks may arrive in either order.
        var thanks = await server.Slack.WaitForEphemeralsAsync(channel, count: 2);
        Assert.Equal(new HashSet<string?> { SlackInteractivityEndpoint.ThanksText(Vote.Down), SlackInteractivityEndpoint.ThanksText(Vote.Up) },
            thanks.Select(t => t.Field("text")).ToHashSet());
    }

    [Fact]
    public async Task Clicking_the_same_vote_twice_keeps_one_vote_and_thanks_each_click()
    {
        var channel = SlackRequests.NewChannel();
        var (threadTs, reference) = await AskAsync(channel);

        for (var i = 0; i < 2; i++)
        {
            using var response = await PostAsync(SlackRequests.Interaction(SlackRequests.BlockActions(channel, threadTs, SlackInteractivityEndpoint.DownActionId, reference)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(Vote.Down, Assert.Single(await VotesAsync(channel)).Vote);
        // Slack shows the clicker nothing else, so a second click is answered too (the same words: the vote is unchanged).
        var thanks = await server.Slack.WaitForEphemeralsAsync(channel, count: 2);
        Assert.All(thanks, t => Assert.Equal(("UALICE", SlackInteractivityEndpoint.ThanksText(Vote.Down)), (t.Field("user"), t.Field("text"))));
    }

    [Fact]
    public async Task A_vote_whose_thanks_cannot_be_posted_is_still_stored_and_acknowledged()
    {
        // chat.postEphemeral answers channel_not_found there.
        const string channel = FakeSlackApi.UnknownChannel;

        using var response = await PostAsync(SlackRequests.Interaction(SlackRequests.BlockActions(channel, "1700000600.000100", SlackInteractivityEndpoint.UpActionId, "ref")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(await VotesAsync(channel), v => v.Vote == Vote.Up);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
        while (!server.Logs.GetSnapshot().Any(r => r.Message == $"The thanks for a Slack vote in {channel} could not be posted; the vote is stored"))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "The failed thanks was not logged.");
            await Task.Delay(25);
        }
        Assert.Contains(server.Logs.GetSnapshot(), r => r.Message == "Slack chat.postEphemeral failed with channel_not_found");
    }

    [Fact]
    public async Task Unsigned_wrongly_signed_and_replayed_clicks_are_401_and_not_stored()
    {
        var channel = SlackRequests.NewChannel();
        var body = SlackRequests.Interaction(SlackRequests.BlockActions(channel, "1700000300.000100", SlackInteractivityEndpoint.DownActionId, "ref"));

        using var unsigned = await server.Http.PostAsync(server.InteractivityUrl, new StringContent(body, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        using var wrongSecret = await PostAsync(body, secret: "not-the-signing-secret-at-all-00");
        using var replayed = await PostAsync(body, at: DateTimeOffset.UtcNow.AddMinutes(-10));

        Assert.All([unsigned, wrongSecret, replayed], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Empty(await VotesAsync(channel));
    }

    [Theory]
    [InlineData("json", "application/x-www-form-urlencoded")]
    [InlineData("no-payload", "payload field")]
    [InlineData("not-json", "not a valid interaction payload")]
    [InlineData("no-value", "the action's value")]
    [InlineData("no-user", "user.id")]
    public async Task Malformed_clicks_are_400_with_the_reason(string kind, string reason)
    {
        var channel = SlackRequests.NewChannel();
        var click = SlackRequests.BlockActions(channel, "1700000400.000100", SlackInteractivityEndpoint.UpActionId, kind == "no-value" ? null : "ref");
        if (kind == "no-user") click.Remove("user");
        var (body, contentType) = kind switch
        {
            "json" => (click.ToJsonString(), "application/json"),
            "no-payload" => ("action=up", "application/x-www-form-urlencoded"),
            "not-json" => ("payload=%7Bnot%20json", "application/x-www-form-urlencoded"),
            _ => (SlackRequests.Interaction(click), "application/x-www-form-urlencoded"),
        };

        using var response = await PostAsync(body, contentType: contentType);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Contains(reason, (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Empty(await VotesAsync(channel));
    }

    [Fact]
    public async Task Other_interactions_are_acknowledged_and_ignored()
    {
        var channel = SlackRequests.NewChannel();
        var otherButton = SlackRequests.BlockActions(channel, "1700000500.000100", "someone_elses_button", "x");
        var shortcut = new JsonObject { ["type"] = "shortcut", ["callback_id"] = "do_something", ["user"] = new JsonObject { ["id"] = "UALICE" } };
        // Null entries where objects belong: no action of QaBot's, so nothing to record and nothing to fail on.
        var holes = new JsonObject { ["type"] = "block_actions", ["message"] = null, ["actions"] = new JsonArray((JsonNode?)null) };

        foreach (var payload in new[] { otherButton, shortcut, holes })
        {
            using var response = await PostAsync(SlackRequests.Interaction(payload));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Empty(await VotesAsync(channel));
    }

    /// <summary>Asks in a new thread of <paramref name="channel"/>; returns the thread and the reference its buttons carry.</summary>
    private async Task<(string ThreadTs, string Reference)> AskAsync(string channel)
    {
        const string threadTs = "1700000200.000100";
        using (var asked = await server.Http.SendAsync(SlackRequests.Signed(server.EventsUrl, SlackRequests.Callback(SlackRequests.Mention(channel, threadTs, Question)))))
            Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var reply = Assert.Single(await server.Slack.WaitForMessagesAsync(channel));
        var actions = reply.Fields["blocks"]!.AsArray().Single(b => (string?)b!["type"] == "actions")!;
        var buttons = actions["elements"]!.AsArray();
        Assert.Equal([SlackInteractivityEndpoint.UpActionId, SlackInteractivityEndpoint.DownActionId], buttons.Select(b => (string?)b!["action_id"]));
        var reference = (string?)buttons[0]!["value"];
        Assert.False(string.IsNullOrEmpty(reference));
        return (threadTs, reference);
    }

    private Task<HttpResponseMessage> PostAsync(string body, string secret = SlackServerFixture.SigningSecret, DateTimeOffset? at = null,
        string contentType = "application/x-www-form-urlencoded") =>
        server.Http.SendAsync(SlackRequests.Signed(server.InteractivityUrl, body, secret, at, contentType: contentType));

    private async Task<IReadOnlyList<FeedbackRecord>> VotesAsync(string channel) =>
        [.. (await server.Services.GetRequiredService<IFeedbackStore>().QueryAsync(new FeedbackQuery(Channel: "slack"), default))
            .Where(v => v.ConversationId.Contains($":{channel}:", StringComparison.Ordinal))];
}
