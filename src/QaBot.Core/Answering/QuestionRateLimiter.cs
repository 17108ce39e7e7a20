using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using QaBot.Configuration;

namespace QaBot.Answering;

/// <summary>
/// Per-conversation and per-user token buckets (System.Threading.RateLimiting, the limiter ASP.NET Core's middleware
/// is built on). Channels know conversations and users, not HTTP clients, so the limit lives where they meet: the
/// answering service. Idle partitions are dropped by the limiter itself, so memory stays bounded.
/// </summary>
public sealed class QuestionRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _conversations;
    private readonly PartitionedRateLimiter<string> _users;

    public QuestionRateLimiter(IOptions<RateLimitOptions> options)
    {
        _conversations = Create(options.Value.QuestionsPerConversationPerMinute);
        _users = Create(options.Value.QuestionsPerUserPerMinute);
    }

    /// <summary>True when the question may be answered now; false when the conversation or the user is over its limit.</summary>
    public bool TryAcquire(string? conversationId, string? userId)
    {
        if (conversationId is not null)
        {
            using var lease = _conversations.AttemptAcquire(conversationId);
            if (!lease.IsAcquired) return false;
        }
        if (userId is not null)
        {
            using var lease = _users.AttemptAcquire(userId);
            if (!lease.IsAcquired) return false;
        }
        return true;
    }

    private static PartitionedRateLimiter<string> Create(int perMinute) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            // One token every (1 minute / perMinute): the sustained rate is exactly perMinute.
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public void Dispose()
    {
        _conversations.Dispose();
        _users.Dispose();
    }
}
