using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Channels.BotFramework;
using QaBot.State;
using StackExchange.Redis;

namespace QaBot.Channels.DirectLine;

/// <summary>
/// Direct Line conversations in Redis, so any replica serves any conversation's polling, posting and stream. Per
/// conversation: a hash (user, last sequence, feed bytes) and a list of <c>"sequence stamped-JSON"</c> entries, bounded
/// in count and bytes as in memory by one Lua script per append (atomic across replicas, so sequence numbers, i.e.
/// watermarks, follow list order). Idle expiry is the keys' TTL, renewed by the client's own requests only; the number
/// of conversations and total memory are Redis's to bound (maxmemory, volatile-lru).
/// </summary>
public sealed partial class RedisDirectLineConversations(
    IConnectionMultiplexer redis,
    IOptions<DirectLineOptions> options,
    TimeProvider time,
    ILogger<RedisDirectLineConversations> logger) : IDirectLineConversations
{
    // KEYS: hash, feed. ARGV: user id, idle timeout (ms). Returns {created, user id}.
    private const string StartScript = """
        local created = redis.call('HSETNX', KEYS[1], 'user', ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
        return {created, redis.call('HGET', KEYS[1], 'user')}
        """;

    // KEYS: hash, feed. ARGV: idle timeout (ms). Returns the user id, or nil when the conversation is gone.
    private const string FindScript = """
        if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return false end
        redis.call('PEXPIRE', KEYS[2], ARGV[1])
        return redis.call('HGET', KEYS[1], 'user')
        """;

    // KEYS: hash, feed. ARGV: activity JSON without id, id prefix, max count, max bytes, pub/sub channel.
    // The id goes in front of the JSON here, where the sequence number is drawn. The newest activity always stays, so a
    // reply is never lost to its own size. No TTL renewal: a late bot reply must not keep an abandoned conversation alive.
    private const string AppendScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return false end
        local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
        local stamped = '{"id":"' .. ARGV[2] .. string.format('%07d', seq) .. '",' .. string.sub(ARGV[1], 2)
        redis.call('RPUSH', KEYS[2], seq .. ' ' .. stamped)
        local bytes = redis.call('HINCRBY', KEYS[1], 'bytes', #stamped)
        local count = redis.call('LLEN', KEYS[2])
        while count > 1 and (count > tonumber(ARGV[3]) or bytes > tonumber(ARGV[4])) do
          local old = redis.call('LPOP', KEYS[2])
          bytes = redis.call('HINCRBY', KEYS[1], 'bytes', string.find(old, ' ') - #old)
          count = count - 1
        end
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
        redis.call('PUBLISH', ARGV[5], seq)
        return seq
        """;

    private readonly DirectLineOptions _options = options.Value;
    private readonly IConnectionMultiplexer _redis = redis;
    private readonly ILogger _logger = logger;

    public ChannelAccount Bot => _options.BotAccount();

    public async Task<(IDirectLineConversation Conversation, bool Created)> StartAsync(string conversationId, string userId)
    {
        var result = (RedisResult[])(await _redis.GetDatabase().ScriptEvaluateAsync(StartScript, Keys(conversationId),
            [userId, IdleMilliseconds]))!;
        return (new Conversation(this, conversationId, (string)result[1]!), (int)result[0] == 1);
    }

    public async Task<IDirectLineConversation?> FindAsync(string conversationId)
    {
        var user = await _redis.GetDatabase().ScriptEvaluateAsync(FindScript, Keys(conversationId), [IdleMilliseconds]);
        return user.IsNull ? null : new Conversation(this, conversationId, (string)user!);
    }

    public Task<Activity> AppendAsync(IDirectLineConversation conversation, Activity activity) => AppendAsync(conversation.Id, activity);

    public async Task<string> SendAsync(Activity inbound, Activity reply, CancellationToken cancellationToken)
    {
        var conversationId = inbound.Conversation?.Id ?? throw new ArgumentException("The inbound activity has no conversation id.", nameof(inbound));
        var stamped = await AppendAsync(conversationId, reply with { From = Bot, ChannelId = DirectLineConversations.ChannelId, ServiceUrl = null });
        return stamped.Id!;
    }

    private async Task<Activity> AppendAsync(string conversationId, Activity activity)
    {
        var stamped = activity with
        {
            Id = null,
            Timestamp = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
            Conversation = new ConversationAccount { Id = conversationId },
        };
        var sequence = await _redis.GetDatabase().ScriptEvaluateAsync(AppendScript, Keys(conversationId),
        [
            JsonSerializer.SerializeToUtf8Bytes(stamped, BotJson.Options), conversationId + "|", _options.MaxActivitiesPerConversation,
            _options.MaxKilobytesPerConversation * 1024L, ChannelName(conversationId),
        ]);
        if (sequence.IsNull) throw new InvalidOperationException($"Direct Line conversation '{conversationId}' has expired.");
        return stamped with { Id = string.Create(CultureInfo.InvariantCulture, $"{conversationId}|{(long)sequence:D7}") };
    }

    private async Task<List<StoredActivity>> ReadAfterAsync(string conversationId, long watermark)
    {
        var entries = await _redis.GetDatabase().ListRangeAsync(Keys(conversationId)[1]);
        var activities = new List<StoredActivity>();
        foreach (var entry in entries)
        {
            var text = (string)entry!;
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var sequence = long.Parse(text.AsSpan(0, space), CultureInfo.InvariantCulture);
            if (sequence <= watermark) continue;
            var json = text.AsSpan(space + 1);
            activities.Add(new StoredActivity(sequence, JsonSerializer.Deserialize<Activity>(json, BotJson.Options)!, json.Length));
        }

        return activities;
    }

    private RedisValue IdleMilliseconds => (long)_options.ConversationIdleTimeout.TotalMilliseconds;

    // One hash tag per conversation: both keys live on the same cluster slot, as a script needs.
    private static RedisKey[] Keys(string conversationId)
    {
        var key = $"{StateServiceCollectionExtensions.KeyPrefix}directline:{{{conversationId}}}";
        return [key, key + ":feed"];
    }

    private static string ChannelName(string conversationId) => $"{StateServiceCollectionExtensions.KeyPrefix}directline:{conversationId}:events";

    private static RedisChannel Channel(string conversationId) => RedisChannel.Literal(ChannelName(conversationId));

    private sealed class Conversation(RedisDirectLineConversations store, string id, string userId) : IDirectLineConversation
    {
        private const string OpenedPrefix = "opened ";
        private ChannelMessageQueue? _announcements;
        private volatile bool _closed;

        public string Id => id;

        public string UserId => userId;

        public async Task<long> LastSequenceAsync() => (long?)await store._redis.GetDatabase().HashGetAsync(Keys(id)[0], "seq") ?? 0;

        public async Task<ActivitySet> AfterAsync(long watermark)
        {
            var activities = await store.ReadAfterAsync(id, watermark);
            return new ActivitySet([.. activities.Select(a => a.Activity)],
                DirectLineConversation.FormatWatermark(activities.Count > 0 ? activities[^1].Sequence : watermark));
        }

        /// <summary>
        /// Appends on any replica are announced on the conversation's pub/sub channel (pushed at once, no polling of
        /// Redis per open stream); each announcement makes the stream read the feed after what it has sent. A stream
        /// announces its own opening there too, which ends the conversation's stream on any other replica.
        /// </summary>
        public async Task<ChannelReader<StoredActivity>> OpenStreamAsync(long watermark)
        {
            var stream = DirectLineConversation.NewStream(store._options.MaxActivitiesPerConversation, store._options.MaxKilobytesPerConversation * 1024L);
            var subscriber = store._redis.GetSubscriber();
            _announcements = await subscriber.SubscribeAsync(Channel(id));
            var opened = OpenedPrefix + Guid.NewGuid().ToString("N");
            await subscriber.PublishAsync(Channel(id), opened);
            _ = PumpAsync(_announcements, opened, watermark, stream.Writer);
            return stream.Reader;
        }

        /// <summary>Unsubscribing ends the pump's wait for the next announcement.</summary>
        public void CloseStream(ChannelReader<StoredActivity> reader)
        {
            _closed = true;
            _announcements?.Unsubscribe(CommandFlags.FireAndForget);
        }

        private async Task PumpAsync(ChannelMessageQueue announcements, string opened, long sent, ChannelWriter<StoredActivity> writer)
        {
            try
            {
                // Subscribed before this first read, so nothing appended meanwhile is missed.
                if (!await ForwardAsync()) return;
                while (true)
                {
                    var message = (string)(await announcements.ReadAsync()).Message!;
                    if (message.StartsWith(OpenedPrefix, StringComparison.Ordinal))
                    {
                        if (message != opened) return;
                    }
                    else if (long.Parse(message, CultureInfo.InvariantCulture) > sent && !await ForwardAsync())
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is ChannelClosedException || StateUnavailable.Is(ex))
            {
                // Closed by the client, or Redis went away: the client reconnects from its watermark.
                if (!_closed) LogStreamLost(store._logger, id, ex.Message);
            }
            finally
            {
                // A stream that cannot keep up (or was replaced, or lost Redis) is closed; its client reconnects from its watermark.
                writer.TryComplete();
                announcements.Unsubscribe(CommandFlags.FireAndForget);
            }

            async Task<bool> ForwardAsync()
            {
                foreach (var stored in await store.ReadAfterAsync(id, sent))
                {
                    if (!writer.TryWrite(stored)) return false;
                    sent = stored.Sequence;
                }

                return true;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The stream of Direct Line conversation {ConversationId} lost Redis: {Reason}")]
    private static partial void LogStreamLost(ILogger logger, string conversationId, string reason);
}
