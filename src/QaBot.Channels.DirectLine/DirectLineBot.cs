using QaBot.Channels.BotFramework;
using QaBot.Turns;

namespace QaBot.Channels.DirectLine;

/// <summary>
/// Hands Direct Line activities to the same <see cref="BotActivityHandler"/> as /api/messages, with the conversation store
/// as the sender, on the shared <see cref="TurnRunner"/>. Turns run after the HTTP request has been answered (as with
/// Azure Direct Line, replies arrive on the stream), in order within a conversation.
/// </summary>
public sealed class DirectLineBot(BotActivityHandler handler, IDirectLineConversations conversations, TurnRunner turns)
{
    /// <summary>Queues the turn; anything but <see cref="TurnAdmission.Accepted"/> means it was refused.</summary>
    public TurnAdmission TryQueue(IDirectLineConversation conversation, Activity inbound) =>
        turns.TryEnqueue(Key(conversation), ct => handler.HandleAsync(inbound, conversations, ct));

    /// <summary>
    /// Stores the user's activity and queues its turn, or neither: an activity whose turn is refused (too many waiting) is
    /// never stored. The turn is admitted first and waits for the stored activity, which only then gets its id.
    /// </summary>
    public async Task<(Activity? Echoed, TurnAdmission Admission)> TryAppendAndQueueAsync(IDirectLineConversation conversation, Activity inbound)
    {
        // The bot does nothing with a user's typing (as /api/messages, which acknowledges and ignores it): stored for the
        // feed, bounded by it, and no turn to wait for.
        if (inbound.Type == ActivityTypes.Typing) return (await conversations.AppendAsync(conversation, inbound), TurnAdmission.Accepted);

        var stored = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        var admission = turns.TryEnqueue(Key(conversation), async ct => await handler.HandleAsync(await stored.Task, conversations, ct));
        if (admission != TurnAdmission.Accepted) return (null, admission);
        try
        {
            var echoed = await conversations.AppendAsync(conversation, inbound);
            stored.SetResult(echoed);
            return (echoed, admission);
        }
        catch (Exception ex)
        {
            stored.SetException(ex);
            throw;
        }
    }

    private static string Key(IDirectLineConversation conversation) => $"{DirectLineConversations.ChannelId}:{conversation.Id}";
}
