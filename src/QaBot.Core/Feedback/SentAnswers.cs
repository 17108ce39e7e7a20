using Microsoft.Extensions.Caching.Memory;
using QaBot.Answering;

namespace QaBot.Feedback;

/// <summary>The question and answer behind a sent bot message, so a later vote can say what was rated.</summary>
public sealed record SentAnswer(string Question, string Answer, IReadOnlyList<Citation> Citations);

/// <summary>
/// Recent answers by (conversation, message reference). Votes carry only the rated message's id or a reference the
/// channel put on it, never its content. Async so a shared store (several server instances) can stand in for the default.
/// </summary>
public interface ISentAnswerStore
{
    Task RememberAsync(string conversationId, string reference, SentAnswer answer, CancellationToken cancellationToken);

    Task<SentAnswer?> FindAsync(string conversationId, string reference, CancellationToken cancellationToken);
}

/// <summary>This process's memory of recent answers: bounded and expiring, since votes come soon after an answer or not at all.</summary>
public sealed class InMemorySentAnswerStore : ISentAnswerStore, IDisposable
{
    private static readonly TimeSpan Expiration = TimeSpan.FromHours(1);

    /// <summary>Bounded by the characters held (about 32 MB), not by entries: one client's long questions must not fill memory.</summary>
    private const long MaxChars = 16L << 20;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxChars, CompactionPercentage = 0.2 });

    public Task RememberAsync(string conversationId, string reference, SentAnswer answer, CancellationToken cancellationToken)
    {
        if (reference.Length == 0) return Task.CompletedTask;
        var key = Key(conversationId, reference);
        var size = key.Length + answer.Question.Length + answer.Answer.Length + answer.Citations.Sum(c => c.Quote.Length + c.Title.Length + c.Source.Length + (c.Url?.Length ?? 0));
        _cache.Set(key, answer, new MemoryCacheEntryOptions { Size = size, SlidingExpiration = Expiration });
        return Task.CompletedTask;
    }

    public Task<SentAnswer?> FindAsync(string conversationId, string reference, CancellationToken cancellationToken) =>
        Task.FromResult(_cache.TryGetValue(Key(conversationId, reference), out SentAnswer? answer) ? answer : null);

    public void Dispose() => _cache.Dispose();

    private static string Key(string conversationId, string reference) => conversationId + "\n" + reference;
}
