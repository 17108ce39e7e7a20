using Microsoft.Extensions.Caching.Memory;

namespace QaBot.Channels.BotFramework;

/// <summary>The question and answer behind a sent bot message, so a later rating can say what was rated.</summary>
public sealed record SentAnswer(string Question, string Answer);

/// <summary>
/// Recent answers by (conversation, message reference). Rating events carry only the rated message's id (Teams) or our
/// own reference (Web Chat), never its content. Bounded and expiring: ratings come soon after the answer or not at all.
/// </summary>
public sealed class SentAnswers : IDisposable
{
    // Ratings come within minutes of an answer; a bounded, short memory keeps a busy bot's memory flat.
    private static readonly TimeSpan Expiration = TimeSpan.FromHours(1);
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000, CompactionPercentage = 0.2 });

    public void Remember(string conversationId, IEnumerable<string> references, SentAnswer answer)
    {
        foreach (var reference in references.Where(r => r.Length > 0))
            _cache.Set(Key(conversationId, reference), answer, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = Expiration });
    }

    public SentAnswer? Find(string conversationId, string? reference) =>
        reference is not null && _cache.TryGetValue(Key(conversationId, reference), out SentAnswer? answer) ? answer : null;

    public void Dispose() => _cache.Dispose();

    private static string Key(string conversationId, string reference) => conversationId + "\n" + reference;
}
