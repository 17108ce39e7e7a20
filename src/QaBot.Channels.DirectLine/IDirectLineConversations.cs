using System.Threading.Channels;
using QaBot.Channels.BotFramework;

namespace QaBot.Channels.DirectLine;

/// <summary>One Direct Line conversation as the endpoints see it, wherever its feed is kept.</summary>
public interface IDirectLineConversation
{
    string Id { get; }

    /// <summary>The user the conversation was started for; a posted activity's <c>from.id</c> cannot override it.</summary>
    string UserId { get; }

    /// <summary>The kept activities after <paramref name="watermark"/> and the watermark to ask with next time.</summary>
    Task<ActivitySet> AfterAsync(long watermark);

    /// <summary>The watermark after the newest activity; a client's watermark beyond it was never returned to anyone.</summary>
    Task<long> LastSequenceAsync();

    /// <summary>
    /// Opens the conversation's stream from <paramref name="watermark"/>: the kept activities after it, then every new one.
    /// Like Azure Direct Line, a conversation has one stream; opening another ends the previous one.
    /// </summary>
    Task<ChannelReader<StoredActivity>> OpenStreamAsync(long watermark);

    /// <summary>Ends the stream opened by <paramref name="reader"/>, unless another stream has replaced it already.</summary>
    void CloseStream(ChannelReader<StoredActivity> reader);
}

/// <summary>
/// The Direct Line conversations: in this process (<see cref="DirectLineConversations"/>) or in Redis for replicas
/// (<see cref="RedisDirectLineConversations"/>). It is the bot's <see cref="IActivitySender"/> for them: a reply is
/// stamped with an id and timestamp, appended to the feed and pushed to the conversation's stream.
/// </summary>
public interface IDirectLineConversations : IActivitySender
{
    /// <summary>The bot's account, as a sender (<c>role: bot</c>).</summary>
    ChannelAccount Bot { get; }

    /// <summary>Starts the conversation, or finds it when it is running already (then it keeps its first user).</summary>
    Task<(IDirectLineConversation Conversation, bool Created)> StartAsync(string conversationId, string userId);

    /// <summary>The conversation, or null when it does not exist or has expired. A client's request: counts as use.</summary>
    Task<IDirectLineConversation?> FindAsync(string conversationId);

    /// <summary>Gives <paramref name="activity"/> its id and timestamp and appends it to the feed; returns it as stored.</summary>
    Task<Activity> AppendAsync(IDirectLineConversation conversation, Activity activity);
}
