using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Answering;
using QaBot.Conversations;
using QaBot.Feedback;
using QaBot.Ingestion;
using QaBot.State;
using QaBot.Suggestions;
using QaBot.Turns;

namespace QaBot.Channels.BotFramework;

/// <summary>
/// QaBot's conversation logic for every Bot Framework channel (Emulator, Teams, the local Direct Line): answers messages,
/// welcomes new members and records ratings. How replies travel is the <see cref="IActivitySender"/>'s business.
/// </summary>
public sealed partial class BotActivityHandler(
    TurnRunner turns,
    SuggestedQuestions suggestions,
    DocumentCatalog catalog,
    FeedbackRecorder feedback,
    ISentAnswerStore sentAnswers,
    IOptions<BotOptions> options,
    ILogger<BotActivityHandler> logger)
{
    public const string SubmitActionInvoke = "message/submitAction";
    public const string WebChatFeedbackEvent = "webchat:activity-status/feedback";
    private const int WelcomeTitles = 3;
    private const int WelcomeExamples = 2;
    private const int MaxSuggestions = 3;

    /// <summary>
    /// Handles one inbound activity. Returns the invoke response for <c>invoke</c> activities (to be written as the HTTP
    /// response) and null for everything else, whose replies go through <paramref name="sender"/>.
    /// </summary>
    public async Task<InvokeResponse?> HandleAsync(Activity inbound, IActivitySender sender, CancellationToken cancellationToken)
    {
        switch (inbound.Type)
        {
            case ActivityTypes.Message:
                await AnswerAsync(inbound, sender, cancellationToken);
                return null;
            case ActivityTypes.ConversationUpdate:
                await WelcomeAsync(inbound, sender, cancellationToken);
                return null;
            case ActivityTypes.Invoke:
                return await InvokeAsync(inbound, cancellationToken);
            case ActivityTypes.Event when inbound.Name == WebChatFeedbackEvent:
                await WebChatFeedbackAsync(inbound, cancellationToken);
                return null;
            case ActivityTypes.MessageReaction:
                foreach (var reaction in inbound.ReactionsAdded ?? [])
                    if (reaction.Type is { Length: > 0 } type) await RecordAsync(inbound, inbound.ReplyToId, type, null, cancellationToken);
                return null;
            default:
                // Unknown types are ignored, as the activity spec asks (A2014).
                return null;
        }
    }

    private async Task AnswerAsync(Activity inbound, IActivitySender sender, CancellationToken cancellationToken)
    {
        var conversationId = inbound.Conversation?.Id;
        var question = MentionText.StripBotMention(inbound);
        await sender.SendAsync(inbound, inbound.CreateReply(ActivityTypes.Typing), cancellationToken);

        Answer answer;
        try
        {
            var userId = inbound.From?.Id is { Length: > 0 } from ? $"{inbound.ChannelId}:{from}" : null;
            answer = await turns.AskAsync(question, conversationId, userId, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A state store outage is logged once by its connection; each turn it fails needs no stack trace of its own.
            LogAnswerFailed(logger, StateUnavailable.Is(ex) ? null : ex, conversationId);
            await sender.SendAsync(inbound, inbound.CreateReply(ActivityTypes.Message) with
            {
                Text = TurnRunner.FailureText,
                TextFormat = "plain",
            }, cancellationToken);
            return;
        }

        // A greeting or a request for help gets the welcome, with examples to click, as a reply.
        if (answer.SmallTalk == SmallTalkKind.Greeting)
        {
            await sender.SendAsync(inbound, await WelcomeActivityAsync(inbound), cancellationToken);
            return;
        }

        var reference = Guid.NewGuid().ToString("N");
        var suggested = answer.Declined ? [] : await suggestions.AfterAsync(answer, MaxSuggestions);
        var id = await sender.SendAsync(inbound, AnswerActivity.Create(inbound, answer, reference, suggested), cancellationToken);
        if (conversationId is null) return;
        var sent = new SentAnswer(question, answer.Text, answer.Citations);
        // Teams votes name the Connector's id for the answer, Web Chat's our own reference.
        foreach (var key in new[] { reference, id }.Where(k => !string.IsNullOrEmpty(k)))
            await sentAnswers.RememberAsync(conversationId, key, sent, cancellationToken);
    }

    private async Task WelcomeAsync(Activity inbound, IActivitySender sender, CancellationToken cancellationToken)
    {
        var added = inbound.MembersAdded ?? [];
        var botAdded = added.Any(m => m.Id is not null && m.Id == inbound.Recipient?.Id);
        // In a Teams channel a welcome per joining colleague would be noise; greet there only when the bot itself arrives.
        if (added.Count == 0 || (inbound.Conversation?.ConversationType == "channel" && !botAdded)) return;

        await sender.SendAsync(inbound, await WelcomeActivityAsync(inbound) with { ReplyToId = null }, cancellationToken);
    }

    private async Task<Activity> WelcomeActivityAsync(Activity inbound)
    {
        var examples = await suggestions.ExamplesAsync(options.Value.ExampleQuestions, WelcomeExamples);
        return inbound.CreateReply(ActivityTypes.Message) with
        {
            Text = WelcomeText(examples),
            TextFormat = "markdown",
            SuggestedActions = AnswerActivity.SuggestionsFit(inbound) && examples.Count > 0
                ? new SuggestedActions { Actions = [.. examples.Select(CardAction.ImBack)] }
                : null,
        };
    }

    private string WelcomeText(IReadOnlyList<string> examples)
    {
        // Titles are article text: escaped, like answers, so an article cannot put a link or markup into the greeting.
        var titles = catalog.Documents.Select(d => MarkdownText.Escape(d.Title)).ToList();
        var known = titles.Count switch
        {
            0 => "the news articles I have indexed",
            <= WelcomeTitles => $"{(titles.Count == 1 ? "this article" : "these articles")}: {string.Join("; ", titles.Select(t => $"*{t}*"))}",
            _ => $"{titles.Count} news articles, such as {string.Join("; ", titles.Take(WelcomeTitles).Select(t => $"*{t}*"))}",
        };
        var intro = $"Hi! I answer questions about {known}. Every answer cites its sources.";
        return examples.Count == 0 ? intro : $"{intro}\n\nTry asking: " + string.Join(" or ", examples.Select(q => $"\"{q}\""));
    }

    private async Task<InvokeResponse> InvokeAsync(Activity inbound, CancellationToken cancellationToken)
    {
        // Bot Framework answers invokes nobody handles with 501 Not Implemented (botbuilder CloudAdapterBase).
        if (inbound.Name != SubmitActionInvoke) return new InvokeResponse(501);
        if (!TryReadTeamsFeedback(inbound.Value, out var reaction, out var comment))
            return new InvokeResponse(400, JsonSerializer.SerializeToElement(
                new { error = "value must be {actionName:\"feedback\", actionValue:{reaction:\"like\"|\"dislike\", feedback:\"<json string>\"}}" }, BotJson.Options));
        await RecordAsync(inbound, inbound.ReplyToId, reaction, comment, cancellationToken);
        // Teams rejects a non-empty response to message/submitAction.
        return new InvokeResponse(200);
    }

    /// <summary>Teams: <c>value.actionValue = {reaction, feedback}</c>, where feedback is a JSON string such as <c>{"feedbackText":"…"}</c>.</summary>
    private static bool TryReadTeamsFeedback(JsonElement? value, out string reaction, out string? comment)
    {
        reaction = "";
        comment = null;
        if (value is not { ValueKind: JsonValueKind.Object } v || !v.TryGetProperty("actionValue", out var action) ||
            action.StringProperty("reaction") is not { } r || r is not ("like" or "dislike"))
            return false;
        reaction = r;
        if (action.StringProperty("feedback") is { } feedbackJson)
        {
            try
            {
                using var doc = JsonDocument.Parse(feedbackJson);
                comment = doc.RootElement.StringProperty("feedbackText");
            }
            catch (JsonException)
            {
                comment = feedbackJson; // Not the documented JSON: keep what the user wrote rather than lose it.
            }
        }
        return true;
    }

    /// <summary>Web Chat echoes the clicked schema.org LikeAction/DislikeAction, whose @id is QaBot's answer reference.</summary>
    private async Task WebChatFeedbackAsync(Activity inbound, CancellationToken cancellationToken)
    {
        foreach (var action in inbound.Entities ?? [])
        {
            var reaction = action.Get("@type").AsString() switch { "LikeAction" => "like", "DislikeAction" => "dislike", _ => null };
            if (reaction is null) continue;
            var comment = action.Get("result")?.StringProperty("text");
            await RecordAsync(inbound, action.Get("@id").AsString(), reaction, comment, cancellationToken);
        }
    }

    private async Task RecordAsync(Activity inbound, string? ratedId, string reaction, string? comment, CancellationToken cancellationToken)
    {
        if (VoteOf(reaction) is not { } vote)
        {
            LogNotAVote(logger, reaction);
            return;
        }

        await feedback.RecordAsync(new VoteCast(inbound.ChannelId ?? "", inbound.Conversation?.Id ?? "", inbound.From?.Id, ratedId, vote, reaction, comment),
            cancellationToken);
    }

    /// <summary>
    /// Thumbs (Teams feedback buttons, Web Chat) and Teams reactions as votes; "surprised" says neither, so it is not one.
    /// </summary>
    private static Vote? VoteOf(string reaction) => reaction switch
    {
        "like" or "heart" or "laugh" => Vote.Up,
        "dislike" or "sad" or "angry" => Vote.Down,
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Answering failed in conversation {ConversationId}; the user was told to try again")]
    private static partial void LogAnswerFailed(ILogger logger, Exception? exception, string? conversationId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reaction {Reaction} is not a vote; ignored")]
    private static partial void LogNotAVote(ILogger logger, string reaction);
}
