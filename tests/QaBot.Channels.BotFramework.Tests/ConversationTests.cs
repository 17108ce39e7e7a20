using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Channels.BotFramework.Tests.Infrastructure;
using QaBot.Conversations;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>The Emulator's conversation over real HTTP: welcome, typing then a cited answer, follow-ups, mentions.</summary>
public sealed partial class ConversationTests(EmulatorModeFixture fixture) : IClassFixture<EmulatorModeFixture>
{
    private readonly FakeChannel _channel = fixture.Channel;
    private readonly InProcessServer _server = fixture.Server;

    [Fact]
    public async Task ConversationUpdate_WithUserAndBotAdded_SendsOneWelcomeNamingTheArticlesAndExamples()
    {
        var conversation = Activities.NewConversationId();
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, Activities.ConversationUpdate(_channel.ServiceUrl, conversation));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var received = await _channel.WaitForConversationAsync(conversation, r => r.Count >= 1);
        var welcome = Assert.Single(received);
        Assert.Equal("message", welcome.Type);
        Assert.Null(welcome.ReplyToId);
        Assert.Contains("Nissan", welcome.Text); // A title from the bundled articles.
        var examples = welcome.Activity["suggestedActions"]!["actions"]!.AsArray().Select(a => (string)a!["value"]!).ToList();
        Assert.Equal(2, examples.Count);
        Assert.All(examples, e => Assert.Contains($"\"{e}\"", welcome.Text));
        Assert.Equal(Activities.UserId, (string?)welcome.Activity["recipient"]!["id"]);
        Assert.Equal(Activities.BotId, (string?)welcome.Activity["from"]!["id"]);
    }

    [Fact]
    public async Task Help_AsAMessage_IsAnsweredWithTheWelcomeAndItsExamples()
    {
        var conversation = Activities.NewConversationId();
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, "help", id: "help-1"))).Dispose();

        var reply = (await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message")))
            .Single(a => a.Type == "message");
        Assert.Equal("help-1", reply.ReplyToId);
        Assert.Contains("Nissan", reply.Text); // A title from the bundled articles.
        var examples = reply.Activity["suggestedActions"]!["actions"]!.AsArray().Select(a => (string)a!["value"]!).ToList();
        Assert.Equal(2, examples.Count);
        Assert.Null(reply.Activity["entities"]); // Nothing was looked up, so nothing is cited.
    }

    [Fact]
    public async Task Every_welcome_example_and_every_suggestion_offered_is_answered_with_a_citation()
    {
        var conversation = Activities.NewConversationId();
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.ConversationUpdate(_channel.ServiceUrl, conversation))).Dispose();
        var welcome = (await _channel.WaitForConversationAsync(conversation, r => r.Count >= 1)).Single();
        var offered = new Queue<string>(Offered(welcome.Activity));
        Assert.NotEmpty(offered);
        // And one question of the user's own, whose answer comes with suggestions about the other article.
        offered.Enqueue("How much have Honda sales dropped?");

        // Click every offer, and every offer that comes with the answers, as a user would, in the same conversation.
        var asked = new HashSet<string>();
        var suggested = 0;
        while (offered.TryDequeue(out var question))
        {
            if (!asked.Add(question)) continue;
            var id = Guid.NewGuid().ToString("N");
            (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, question, id: id))).Dispose();
            var answer = (await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message" && a.ReplyToId == id)))
                .Single(a => a.Type == "message" && a.ReplyToId == id);
            Assert.True(answer.Activity["entities"] is not null, $"\"{question}\" was offered but answered without a citation: {answer.Text}");
            foreach (var next in Offered(answer.Activity))
            {
                suggested++;
                offered.Enqueue(next);
            }
        }
        Assert.True(suggested > 0, "No suggestion came with the answers to: " + string.Join(" | ", asked));

        static IEnumerable<string> Offered(JsonObject activity) =>
            activity["suggestedActions"]?["actions"]?.AsArray().Select(a => (string)a!["value"]!) ?? [];
    }

    [Fact]
    public async Task Message_SendsTypingThenACitedAnswerAsAReply()
    {
        var conversation = Activities.NewConversationId();
        var message = Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?", id: "user-msg-1");
        using var response = await _server.Http.PostAsync(_server.MessagesUrl, message);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var received = await _channel.WaitForConversationAsync(conversation, r => r.Count >= 2);
        Assert.Equal(["typing", "message"], received.Select(r => r.Type));
        Assert.All(received, r => Assert.Equal("user-msg-1", r.ReplyToId)); // POST …/activities/{replyToId}
        var answer = received[1];
        Assert.Equal("user-msg-1", (string?)answer.Activity["replyToId"]);
        Assert.Equal("markdown", (string?)answer.Activity["textFormat"]);
        Assert.Contains("24.2%", answer.Text);
        AssertCitationsConsistent(answer.Activity);
        Assert.Null(answer.Activity["id"]); // The channel assigns ids.
    }

    [Fact]
    public async Task FollowUp_InTheSameConversation_IsAnsweredInContext()
    {
        var conversation = Activities.NewConversationId();
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?"))).Dispose();
        await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"));

        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, "and Toyota?"))).Dispose();
        var received = await _channel.WaitForConversationAsync(conversation, r => r.Count(a => a.Type == "message") >= 2);

        var followUp = received.Last(a => a.Type == "message");
        Assert.DoesNotContain("couldn't find", followUp.Text, StringComparison.Ordinal);
        // The core remembered both turns under the Bot Framework conversation id and read the follow-up in context.
        var turns = await _server.Services.GetRequiredService<IConversationStore>().GetAsync(conversation);
        Assert.Equal(["How much have Honda sales dropped?", "and Toyota?"], turns.Select(t => t.Question));
        Assert.Equal("How much have Toyota sales dropped?", turns[1].StandaloneQuestion);
        Assert.StartsWith(turns[1].Answer, followUp.Text);
        // The reply says how it read the follow-up, for clients and load tests that check context survived.
        Assert.Equal(turns[1].StandaloneQuestion, (string?)followUp.Activity["channelData"]!["qabot"]!["standaloneQuestion"]);
    }

    [Fact]
    public async Task TeamsMention_OfTheBot_IsStrippedBeforeAnswering()
    {
        var conversation = Activities.NewConversationId();
        var message = Activities.Message(_channel.ServiceUrl, conversation, "<at>QaBot</at> How much have Honda sales dropped?", channelId: "msteams");
        message["conversation"]!["conversationType"] = "channel";
        message["entities"] = new JsonArray(new JsonObject
        {
            ["type"] = "mention",
            ["mentioned"] = new JsonObject { ["id"] = Activities.BotId, ["name"] = "QaBot" },
            ["text"] = "<at>QaBot</at>",
        });
        (await _server.Http.PostAsync(_server.MessagesUrl, message)).Dispose();

        var answer = (await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"))).Single(a => a.Type == "message");
        Assert.Contains("24.2%", answer.Text);
        // Teams: citations through the entity only, the feedback loop on, no suggested actions in a channel.
        Assert.DoesNotContain("]: ", answer.Text);
        Assert.Equal(true, (bool?)answer.Activity["channelData"]!["feedbackLoopEnabled"]);
        Assert.Equal("default", (string?)answer.Activity["channelData"]!["feedbackLoop"]!["type"]);
        Assert.Null(answer.Activity["suggestedActions"]);
        var entity = Assert.Single(answer.Activity["entities"]!.AsArray());
        var appearance = entity!["citation"]![0]!["appearance"]!;
        Assert.StartsWith("https://", (string)appearance["url"]!); // Teams shows the link in its citation pop-up, beside the passage.
        Assert.Contains("24.2%", (string)appearance["text"]!);
    }

    [Fact]
    public async Task Question_TheArticlesDoNotCover_IsDeclinedPolitelyWithoutCitations()
    {
        var conversation = Activities.NewConversationId();
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, "What is the boiling point of tungsten on Mars?"))).Dispose();

        var answer = (await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"))).Single(a => a.Type == "message");
        Assert.Equal("I couldn't find that in the articles.", answer.Text);
        Assert.Null(answer.Activity["entities"]);
    }

    /// <summary>
    /// One root schema.org Message entity whose Claims are numbered exactly like the [n] markers and the markdown link
    /// definitions "[n]: cite:n "title"" (Web Chat pairs them by number and draws nothing without a definition); each Claim
    /// carries its quoted passage as the text Web Chat opens, and there is no second Sources list.
    /// </summary>
    internal static void AssertCitationsConsistent(JsonObject activity)
    {
        var text = (string)activity["text"]!;
        var entity = Assert.Single(activity["entities"]!.AsArray())!.AsObject();
        Assert.Equal("https://schema.org/Message", (string?)entity["type"]);
        Assert.Equal("Message", (string?)entity["@type"]);
        Assert.Equal("https://schema.org", (string?)entity["@context"]);
        Assert.Equal("AIGeneratedContent", (string?)entity["additionalType"]![0]);

        var claims = entity["citation"]!.AsArray().Select(c => c!.AsObject()).ToList();
        Assert.NotEmpty(claims);
        Assert.All(claims, c => Assert.Equal("Claim", (string?)c["@type"]));
        var positions = claims.Select(c => (int)c["position"]!).ToList();
        var definitions = LinkDefinition().Matches(text).ToDictionary(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => m.Groups[3].Value);
        Assert.Equal(positions.Order(), definitions.Keys.Order());
        Assert.DoesNotContain("Sources", text);
        foreach (var claim in claims)
        {
            var position = (int)claim["position"]!;
            Assert.Contains($"[{position}]", text[..text.IndexOf($"[{position}]: ", StringComparison.Ordinal)]);
            Assert.Matches($@"(?m)^\[{position}\]: cite:{position} ", text);
            var appearance = claim["appearance"]!;
            Assert.Equal(definitions[position], (string)appearance["name"]!);
            Assert.Null(appearance["url"]); // Web Chat would follow it instead of opening the passage.
            Assert.StartsWith("> ", (string)appearance["text"]!);
        }
    }

    [GeneratedRegex("""^\[(\d+)\]: (\S+) "([^"]*)"$""", RegexOptions.Multiline)]
    private static partial Regex LinkDefinition();
}
