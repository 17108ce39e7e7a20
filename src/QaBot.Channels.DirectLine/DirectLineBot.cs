using QaBot.Channels.BotFramework;
using QaBot.Turns;

namespace QaBot.Channels.DirectLine;

/// <summary>
/// Hands Direct Line activities to the same <see cref="BotActivityHandler"/> as /api/messages, with the conversation store
/// as the sender, on the shared <see cref="TurnRunner"/>. Turns run after the HTTP request has been answered (as with
/// Azure Direct Line, replies arrive on the stream), in order within a conversation.
/// </summary>
public sealed class DirectLineBot(BotActivityHandler handler, DirectLineConversations conversations, TurnRunner turns)
{
    /// <summary>Queues the turn; anything but <see cref="TurnAdmission.Accepted"/> means it was refused.</summary>
    public TurnAdmission TryQueue(DirectLineConversation conversation, Activity inbound) =>
        turns.TryEnqueue($"{DirectLineConversations.ChannelId}:{conversation.Id}", ct => handler.HandleAsync(inbound, conversations, ct));
}
