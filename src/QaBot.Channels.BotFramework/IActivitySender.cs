namespace QaBot.Channels.BotFramework;

/// <summary>
/// Delivers the bot's activities to a conversation. The Bot Connector implementation POSTs to the inbound activity's
/// serviceUrl; the local Direct Line appends to its own feed. Either way the bot logic is the same.
/// </summary>
public interface IActivitySender
{
    /// <summary>Sends <paramref name="reply"/> (already addressed, see <see cref="ActivityExtensions.CreateReply"/>) to the conversation of <paramref name="inbound"/>; returns the id the channel gave it.</summary>
    Task<string> SendAsync(Activity inbound, Activity reply, CancellationToken cancellationToken);
}
