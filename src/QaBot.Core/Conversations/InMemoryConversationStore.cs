using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using QaBot.Configuration;

namespace QaBot.Conversations;

/// <summary>
/// Conversation memory in a size-limited <see cref="MemoryCache"/>: each conversation keeps its last
/// <see cref="ConversationOptions.MaxTurns"/> turns and expires after <see cref="ConversationOptions.Expiration"/>
/// without activity; entries are sized in bytes and the whole cache is capped at
/// <see cref="ConversationOptions.MaxMemoryMegabytes"/>, so memory stays bounded however many users come and go.
/// </summary>
public sealed class InMemoryConversationStore : IConversationStore, IDisposable
{
    private const double CompactionPercentage = 0.2;

    private readonly MemoryCache _cache;
    private readonly ConversationOptions _options;

    public InMemoryConversationStore(IOptions<ConversationOptions> options, TimeProvider? timeProvider = null)
    {
        _options = options.Value;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.MaxMemoryMegabytes * 1024L * 1024L, CompactionPercentage = CompactionPercentage, Clock = timeProvider is null ? null : new Clock(timeProvider) });
    }

    public Task<IReadOnlyList<ConversationTurn>> GetAsync(string conversationId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ConversationTurn>>(_cache.TryGetValue(conversationId, out ConversationTurn[]? turns) ? turns! : []);

    public Task AppendAsync(string conversationId, ConversationTurn turn, CancellationToken cancellationToken = default)
    {
        // Copy-on-write arrays: readers of a conversation never see a half-updated history.
        lock (_cache)
        {
            var turns = _cache.TryGetValue(conversationId, out ConversationTurn[]? existing) ? existing! : [];
            var updated = turns.Append(turn).TakeLast(_options.MaxTurns).ToArray();
            var entry = new MemoryCacheEntryOptions { Size = ApproximateBytes(conversationId, updated), SlidingExpiration = _options.Expiration };
            _cache.Set(conversationId, updated, entry);
            // A full cache refuses the entry (dropping the conversation's earlier turns with it) and compacts later, on
            // another thread: make room now, least recently used conversations first, and store the turn.
            if (!_cache.TryGetValue(conversationId, out _))
            {
                _cache.Compact(CompactionPercentage);
                _cache.Set(conversationId, updated, entry);
            }
        }
        return Task.CompletedTask;
    }

    public void Dispose() => _cache.Dispose();

    /// <summary>UTF-16 text plus a fixed overhead per object: close enough to cap memory, cheap to compute.</summary>
    private static long ApproximateBytes(string conversationId, ConversationTurn[] turns)
    {
        const int objectOverhead = 64;
        long bytes = objectOverhead + 2L * conversationId.Length;
        foreach (var t in turns)
        {
            bytes += objectOverhead + 2L * (t.Question.Length + t.StandaloneQuestion.Length + t.Answer.Length);
            foreach (var id in t.DocumentIds) bytes += objectOverhead + 2L * id.Length;
        }
        return bytes;
    }

#pragma warning disable CS0618 // ISystemClock is what MemoryCacheOptions accepts.
    private sealed class Clock(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
#pragma warning restore CS0618
}
