using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using QaBot.Channels.BotFramework;

namespace QaBot.Channels.DirectLine;

/// <summary>
/// The conversations of the local Direct Line, in memory. It is the bot's <see cref="IActivitySender"/> for them: a reply
/// is stamped with an id and timestamp, appended to the feed and pushed to the conversation's WebSocket.
/// </summary>
public sealed class DirectLineConversations(IOptions<DirectLineOptions> options, TimeProvider time) : IActivitySender
{
    /// <summary>The channel id of Direct Line activities (botframework-schema <c>Channels.Directline</c>).</summary>
    public const string ChannelId = "directline";

    private readonly ConcurrentDictionary<string, DirectLineConversation> _conversations = new(StringComparer.Ordinal);
    private readonly DirectLineOptions _options = options.Value;

    public int Count => _conversations.Count;

    public static string NewConversationId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));

    /// <summary>Ids start with <c>dl_</c>, as Azure Bot Service requires of Direct Line user ids.</summary>
    public static string NewUserId() => "dl_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12));

    /// <summary>The bot's account, as a sender (<c>role: bot</c>).</summary>
    public ChannelAccount Bot => new() { Id = _options.BotId, Name = _options.BotName, Role = "bot" };

    /// <summary>Starts the conversation, or finds it when it is running already; false when the store is full.</summary>
    public bool TryStart(string conversationId, string userId, [NotNullWhen(true)] out DirectLineConversation? conversation, out bool created)
    {
        var now = time.GetUtcNow();
        created = false;
        if (_conversations.TryGetValue(conversationId, out conversation))
        {
            conversation.Touch(now);
            return true;
        }

        if (_conversations.Count >= _options.MaxConversations) return false;
        var candidate = new DirectLineConversation(conversationId, userId, _options.MaxActivitiesPerConversation, now);
        conversation = _conversations.GetOrAdd(conversationId, candidate);
        created = ReferenceEquals(conversation, candidate);
        return true;
    }

    public bool TryGet(string conversationId, [NotNullWhen(true)] out DirectLineConversation? conversation)
    {
        if (!_conversations.TryGetValue(conversationId, out conversation)) return false;
        conversation.Touch(time.GetUtcNow());
        return true;
    }

    public Task<string> SendAsync(Activity inbound, Activity reply, CancellationToken cancellationToken)
    {
        var conversationId = inbound.Conversation?.Id ?? throw new ArgumentException("The inbound activity has no conversation id.", nameof(inbound));
        if (!_conversations.TryGetValue(conversationId, out var conversation))
        {
            throw new InvalidOperationException($"Direct Line conversation '{conversationId}' has expired.");
        }

        var stamped = conversation.Append(reply with { From = Bot, ChannelId = ChannelId, ServiceUrl = null }, time.GetUtcNow());
        return Task.FromResult(stamped.Id!);
    }

    /// <summary>Forgets conversations idle for longer than the configured timeout; returns how many.</summary>
    public int RemoveIdle()
    {
        var cutoff = time.GetUtcNow() - _options.ConversationIdleTimeout;
        var removed = 0;
        foreach (var (id, conversation) in _conversations)
        {
            if (conversation.LastUsed > cutoff || !_conversations.TryRemove(new(id, conversation))) continue;
            conversation.CloseStream();
            removed++;
        }

        return removed;
    }
}
