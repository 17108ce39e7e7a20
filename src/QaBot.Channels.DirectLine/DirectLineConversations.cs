using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using QaBot.Channels.BotFramework;

namespace QaBot.Channels.DirectLine;

/// <summary>The conversations of the local Direct Line, in this process: bounded in number and memory, for one instance.</summary>
public sealed class DirectLineConversations(IOptions<DirectLineOptions> options, TimeProvider time) : IDirectLineConversations
{
    /// <summary>The channel id of Direct Line activities (botframework-schema <c>Channels.Directline</c>).</summary>
    public const string ChannelId = "directline";

    private readonly ConcurrentDictionary<string, DirectLineConversation> _conversations = new(StringComparer.Ordinal);
    private readonly DirectLineOptions _options = options.Value;
    private readonly Lock _evicting = new();
    private long _bytes;

    public int Count => _conversations.Count;

    /// <summary>Bytes the feeds of all conversations hold.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public static string NewConversationId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));

    /// <summary>Ids start with <c>dl_</c>, as Azure Bot Service requires of Direct Line user ids.</summary>
    public static string NewUserId() => "dl_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12));

    public ChannelAccount Bot => _options.BotAccount();

    public Task<(IDirectLineConversation Conversation, bool Created)> StartAsync(string conversationId, string userId) =>
        Task.FromResult<(IDirectLineConversation, bool)>((Start(conversationId, userId, out var created), created));

    public Task<IDirectLineConversation?> FindAsync(string conversationId) =>
        Task.FromResult<IDirectLineConversation?>(TryGet(conversationId, out var conversation) ? conversation : null);

    public Task<Activity> AppendAsync(IDirectLineConversation conversation, Activity activity) =>
        Task.FromResult(Append((DirectLineConversation)conversation, activity));

    /// <summary>
    /// Starts the conversation, or finds it when it is running already. A full store makes room by forgetting the least
    /// recently used conversations: idle ones give way to newcomers instead of locking them out.
    /// </summary>
    public DirectLineConversation Start(string conversationId, string userId, out bool created)
    {
        var now = time.GetUtcNow();
        created = false;
        if (_conversations.TryGetValue(conversationId, out var conversation))
        {
            conversation.Touch(now);
            return conversation;
        }

        if (_conversations.Count >= _options.MaxConversations)
        {
            // Room for a hundredth more at once, so the next newcomers find it without another sort of the store.
            var target = _options.MaxConversations - Math.Max(1, _options.MaxConversations / 100);
            ForgetLeastRecentlyUsed(() => _conversations.Count > target, keep: null);
        }
        var candidate = new DirectLineConversation(conversationId, userId, _options.MaxActivitiesPerConversation,
            _options.MaxKilobytesPerConversation * 1024L, change => Interlocked.Add(ref _bytes, change), now);
        conversation = _conversations.GetOrAdd(conversationId, candidate);
        created = ReferenceEquals(conversation, candidate);
        return conversation;
    }

    /// <summary>Appends to a conversation's feed, then keeps all feeds together within <see cref="DirectLineOptions.MaxMemoryMegabytes"/>.</summary>
    private Activity Append(DirectLineConversation conversation, Activity activity)
    {
        var stamped = conversation.Append(activity, time.GetUtcNow());
        KeepWithinMemory(conversation);
        return stamped;
    }

    /// <summary>
    /// Over the budget, forgets the least recently used conversations (other than <paramref name="current"/>) until all
    /// feeds hold at most nine tenths of it.
    /// </summary>
    private void KeepWithinMemory(DirectLineConversation current)
    {
        var budget = _options.MaxMemoryMegabytes * 1024L * 1024;
        if (Bytes > budget) ForgetLeastRecentlyUsed(() => Bytes > budget * 9 / 10, keep: current);
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

        var stamped = Append(conversation, reply with { From = Bot, ChannelId = ChannelId, ServiceUrl = null });
        return Task.FromResult(stamped.Id!);
    }

    /// <summary>Forgets conversations idle for longer than the configured timeout; returns how many.</summary>
    public int RemoveIdle()
    {
        var cutoff = time.GetUtcNow() - _options.ConversationIdleTimeout;
        var removed = 0;
        foreach (var (id, conversation) in _conversations)
        {
            if (conversation.LastUsed > cutoff || !TryForget(id, conversation)) continue;
            removed++;
        }

        return removed;
    }

    /// <summary>
    /// Forgets conversations, least recently used first, while <paramref name="tooMany"/> holds. One sort serves a whole
    /// batch, so a flood of newcomers does not cost a scan of the store each.
    /// </summary>
    private void ForgetLeastRecentlyUsed(Func<bool> tooMany, DirectLineConversation? keep)
    {
        lock (_evicting)
        {
            foreach (var (id, conversation) in _conversations.ToArray().OrderBy(c => c.Value.LastUsed))
            {
                if (!tooMany()) return;
                if (!ReferenceEquals(conversation, keep)) TryForget(id, conversation);
            }
        }
    }

    private bool TryForget(string id, DirectLineConversation conversation)
    {
        if (!_conversations.TryRemove(new(id, conversation))) return false;
        Interlocked.Add(ref _bytes, -conversation.Forget());
        return true;
    }
}
