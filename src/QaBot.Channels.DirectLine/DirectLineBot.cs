using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QaBot.Channels.BotFramework;

namespace QaBot.Channels.DirectLine;

/// <summary>
/// Hands Direct Line activities to the same <see cref="BotActivityHandler"/> as /api/messages, with the conversation store
/// as the sender. Turns run after the HTTP request has been answered (as with Azure Direct Line, replies arrive on the
/// stream), one at a time per conversation.
/// </summary>
public sealed partial class DirectLineBot(
    BotActivityHandler handler,
    DirectLineConversations conversations,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<DirectLineBot> logger)
{
    // A person types slower than the bot answers; a client with more turns waiting than this is runaway.
    private const int MaxPendingTurns = 8;

    /// <summary>Queues the turn; false when the conversation has too many waiting already.</summary>
    public bool TryQueue(DirectLineConversation conversation, Activity inbound) =>
        conversation.TryQueueTurn(() => HandleAsync(inbound), MaxPendingTurns);

    /// <summary>Stores the user's activity and queues its turn, or neither when too many are waiting (null).</summary>
    public Activity? TryAppendAndQueue(DirectLineConversation conversation, Activity inbound) =>
        conversation.TryAppendWithTurn(inbound, time.GetUtcNow(), echoed => () => HandleAsync(echoed), MaxPendingTurns);

    private async Task HandleAsync(Activity inbound)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            await handler.HandleAsync(inbound, conversations, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception ex)
        {
            // The handler already tells the user when answering fails; this is for failures around it (e.g. an expired conversation).
            LogTurnFailed(ex, inbound.Type, inbound.Conversation?.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling a Direct Line {Type} activity in conversation {ConversationId} failed")]
    private partial void LogTurnFailed(Exception exception, string? type, string? conversationId);
}
