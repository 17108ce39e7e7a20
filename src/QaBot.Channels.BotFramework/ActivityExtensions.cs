namespace QaBot.Channels.BotFramework;

public static class ActivityExtensions
{
    /// <summary>
    /// An activity addressed back to the sender of <paramref name="inbound"/> (ConnRef "Create a reply"): from and recipient
    /// swapped, same conversation and channel, replyToId set to the inbound id.
    /// </summary>
    public static Activity CreateReply(this Activity inbound, string type) => new()
    {
        Type = type,
        ChannelId = inbound.ChannelId,
        From = inbound.Recipient is { } bot ? new ChannelAccount { Id = bot.Id, Name = bot.Name, Role = "bot" } : null,
        Recipient = inbound.From is { } user ? new ChannelAccount { Id = user.Id, Name = user.Name, AadObjectId = user.AadObjectId, Role = user.Role } : null,
        Conversation = inbound.Conversation,
        ReplyToId = inbound.Id,
        Locale = inbound.Locale,
    };
}
