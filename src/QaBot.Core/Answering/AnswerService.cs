using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Conversations;
using QaBot.Ingestion;
using QaBot.Retrieval;

using QaBot.Text;

namespace QaBot.Answering;

/// <summary>
/// The one entry point every channel calls: rewrite a follow-up from the conversation, retrieve, answer, remember the
/// turn. Channels only translate their payloads to (question, conversation id) and render the <see cref="Answer"/>.
/// </summary>
public sealed partial class AnswerService(
    IFollowUpRewriter rewriter,
    IndexSnapshots index,
    HybridRetriever retriever,
    IAnswerer answerer,
    IConversationStore conversations,
    QuestionRateLimiter rateLimiter,
    DocumentCatalog catalog,
    IOptions<AnsweringOptions> options,
    ILogger<AnswerService> logger)
{
    public static readonly ActivitySource ActivitySource = new("QaBot.Answering");
    public static readonly Meter Meter = new("QaBot.Answering");
    private static readonly Counter<long> Questions = Meter.CreateCounter<long>("qabot.questions", description: "Questions answered");
    private static readonly Counter<long> Declines = Meter.CreateCounter<long>("qabot.declined", description: "Questions declined for lack of evidence");
    private static readonly Counter<long> RateLimited = Meter.CreateCounter<long>("qabot.rate_limited", description: "Questions refused because a conversation or user asked too fast");
    private static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>("qabot.model_fallbacks", description: "Answers that fell back to extraction because the model failed");
    private static readonly Histogram<double> Latency = Meter.CreateHistogram<double>("qabot.answer.duration", "ms", "Time to answer a question");

    public const string RateLimitedText = "You're asking faster than I can keep up with. Please wait a few seconds and ask again.";

    /// <summary>Answers <paramref name="question"/>; with a <paramref name="conversationId"/>, as the next turn of that conversation.</summary>
    public Task<Answer> AskAsync(string question, string? conversationId = null, CancellationToken cancellationToken = default) =>
        AskAsync(question, conversationId, userId: null, cancellationToken);

    /// <summary>As <see cref="AskAsync(string, string?, CancellationToken)"/>, also rate-limiting per <paramref name="userId"/>.</summary>
    public async Task<Answer> AskAsync(string question, string? conversationId, string? userId, CancellationToken cancellationToken = default)
    {
        using var activity = ActivitySource.StartActivity("answer");
        activity?.SetTag("qabot.conversation", conversationId);
        var q = (question ?? "").Trim();
        var max = options.Value.MaxQuestionChars;
        if (q.Length > max)
        {
            // Cut, so a refused question is not carried whole into the reply and the memory of sent answers.
            return Refusal(TextCut.Ellipsis(q, max), $"That question is too long: please keep it under {max} characters.");
        }
        // No letter or digit (blank, zero-width characters, punctuation, emoji alone) is no question to look up.
        if (!q.Any(char.IsLetterOrDigit)) return Refusal(q, "Please ask a question about the articles.");
        // Conversation, not a question: it is answered without a lookup and kept out of the history, so a "why?" after
        // "thanks" still follows the last question.
        var smallTalk = SmallTalk.Classify(q);
        if (SmallTalkReply(smallTalk) is { } reply) return Refusal(q, reply) with { SmallTalk = smallTalk };
        if (!rateLimiter.TryAcquire(conversationId, userId))
        {
            RateLimited.Add(1);
            return Refusal(q, RateLimitedText);
        }

        // The whole question reads one index generation, however long it takes and whatever is swapped in meanwhile.
        using var pinned = index.Pin();
        var clock = Stopwatch.StartNew();
        var history = conversationId is null ? [] : await conversations.GetAsync(conversationId, cancellationToken);
        var rewritten = await rewriter.RewriteAsync(q, history, cancellationToken);
        // Typos are fixed against the articles' own words before retrieval and answering see the question.
        rewritten = rewritten with { Text = index.Current.Vocabulary.Correct(rewritten.Text) };
        var rewriteTime = clock.Elapsed;

        // A follow-up stays with the articles the conversation has been citing.
        var focus = rewritten.IsFollowUp ? history.SelectMany(t => t.DocumentIds).ToHashSet(StringComparer.Ordinal) : null;
        var passages = await retriever.RetrieveAsync(rewritten.Text, focus, cancellationToken: cancellationToken);
        // "When was the article about Nissan posted?": when no passage found has that metadata (most articles of a corpus
        // may lack it), the best-matching articles that have it are searched instead; the answerer still checks that
        // they are about the question's subject.
        if (QuestionProfile.MetadataAsked(rewritten.Text) is var asked and not ArticleMetadata.None && !passages.Any(p => p.Chunk.Has(asked))
            && await retriever.RetrieveAsync(rewritten.Text, focus, asked, cancellationToken) is { Count: > 0 } withMetadata)
        {
            passages = withMetadata;
        }
        var retrievalTime = clock.Elapsed - rewriteTime;

        var draft = await answerer.AnswerAsync(rewritten.Text, passages, cancellationToken);
        var answerTime = clock.Elapsed - rewriteTime - retrievalTime;

        var answer = new Answer
        {
            Question = q,
            StandaloneQuestion = rewritten.Text,
            Text = draft.Text,
            Declined = draft.Declined,
            Citations = draft.Citations,
            Notice = draft.Notice,
            Passages = passages,
            Timing = new AnswerTiming(rewriteTime, retrievalTime, answerTime),
        };

        if (conversationId is not null)
        {
            var cited = answer.Citations.Select(c => c.PassageId[..c.PassageId.LastIndexOf('#')]).Distinct().ToList();
            await conversations.AppendAsync(conversationId, new ConversationTurn(q, rewritten.Text, answer.Text, cited, DateTimeOffset.UtcNow), cancellationToken);
        }

        Questions.Add(1);
        if (answer.Declined) Declines.Add(1);
        if (answer.Notice is not null) Fallbacks.Add(1);
        Latency.Record(answer.Timing.Total.TotalMilliseconds);
        activity?.SetTag("qabot.declined", answer.Declined);
        LogAnswered(logger, conversationId, answer.Declined, answer.Citations.Count, answer.Timing.Total.TotalMilliseconds);
        return answer;
    }

    private string? SmallTalkReply(SmallTalkKind kind) => kind switch
    {
        SmallTalkKind.Greeting => $"Hi! I answer questions about {ArticlesKnown()}, quoting the passages I use with numbered sources. " +
            "Ask about something they report: who, what, when, how much or why.",
        SmallTalkKind.Thanks => "You're welcome! Ask me anything else about the articles.",
        SmallTalkKind.Acknowledgement => "Ask me another question about the articles whenever you like.",
        SmallTalkKind.Goodbye => "Goodbye! Come back with a question about the articles any time.",
        _ => null,
    };

    private string ArticlesKnown() => catalog.Count switch
    {
        0 => "the articles I have indexed",
        1 => "the article I have indexed",
        var n => $"the {n.ToString("N0", CultureInfo.InvariantCulture)} articles I have indexed",
    };

    private static Answer Refusal(string question, string text) =>
        new() { Question = question, StandaloneQuestion = question, Text = text, Declined = true, Refused = true, Citations = [], Timing = new(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero) };

    [LoggerMessage(Level = LogLevel.Information, Message = "Answered in conversation {ConversationId}: declined={Declined}, citations={Citations}, {ElapsedMs:F1} ms")]
    private static partial void LogAnswered(ILogger logger, string? conversationId, bool declined, int citations, double elapsedMs);
}
