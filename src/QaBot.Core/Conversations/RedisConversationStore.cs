using System.Text.Json;
using Microsoft.Extensions.Options;
using QaBot.Configuration;
using QaBot.State;
using StackExchange.Redis;

namespace QaBot.Conversations;

/// <summary>
/// Conversation memory in Redis, shared by all replicas: a list per conversation holding its last
/// <see cref="ConversationOptions.MaxTurns"/> turns as JSON, expiring after <see cref="ConversationOptions.Expiration"/>
/// without activity as in memory. Total memory is Redis's to bound (maxmemory with a volatile-* eviction policy).
/// </summary>
public sealed class RedisConversationStore(IConnectionMultiplexer redis, IOptions<ConversationOptions> options) : IConversationStore
{
    private readonly ConversationOptions _options = options.Value;

    public async Task<IReadOnlyList<ConversationTurn>> GetAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        var db = redis.GetDatabase();
        var key = Key(conversationId);
        // Reading counts as activity, as a sliding expiration in memory does.
        var turns = db.ListRangeAsync(key);
        _ = db.KeyExpireAsync(key, _options.Expiration, flags: CommandFlags.FireAndForget);
        return [.. (await turns).Select(t => JsonSerializer.Deserialize<ConversationTurn>((byte[])t!)!)];
    }

    public async Task AppendAsync(string conversationId, ConversationTurn turn, CancellationToken cancellationToken = default)
    {
        var key = Key(conversationId);
        // One transaction: no replica ever sees the list unbounded or without its expiry.
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.ListRightPushAsync(key, JsonSerializer.SerializeToUtf8Bytes(turn));
        _ = transaction.ListTrimAsync(key, -_options.MaxTurns, -1);
        _ = transaction.KeyExpireAsync(key, _options.Expiration);
        await transaction.ExecuteAsync();
    }

    private static RedisKey Key(string conversationId) => $"{StateServiceCollectionExtensions.KeyPrefix}conversation:{conversationId}";
}
