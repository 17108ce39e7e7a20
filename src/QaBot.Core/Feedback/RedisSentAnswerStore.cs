using System.Text.Json;
using QaBot.State;
using StackExchange.Redis;

namespace QaBot.Feedback;

/// <summary>
/// Recent answers in Redis, so a vote that reaches another replica than the one that answered still says what was rated.
/// Each expires an hour after it was last read or written, like the in-memory store's sliding expiration.
/// </summary>
public sealed class RedisSentAnswerStore(IConnectionMultiplexer redis) : ISentAnswerStore
{
    private static readonly TimeSpan Expiration = TimeSpan.FromHours(1);

    public async Task RememberAsync(string conversationId, string reference, SentAnswer answer, CancellationToken cancellationToken)
    {
        if (reference.Length == 0) return;
        await redis.GetDatabase().StringSetAsync(Key(conversationId, reference), JsonSerializer.SerializeToUtf8Bytes(answer), Expiration);
    }

    public async Task<SentAnswer?> FindAsync(string conversationId, string reference, CancellationToken cancellationToken)
    {
        var value = await redis.GetDatabase().StringGetSetExpiryAsync(Key(conversationId, reference), Expiration);
        return value.IsNull ? null : JsonSerializer.Deserialize<SentAnswer>((byte[])value!);
    }

    private static RedisKey Key(string conversationId, string reference) =>
        $"{StateServiceCollectionExtensions.KeyPrefix}answer:{conversationId}\n{reference}";
}
