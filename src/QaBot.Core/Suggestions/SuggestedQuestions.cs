using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using QaBot.Answering;
using QaBot.Ingestion;

namespace QaBot.Suggestions;

/// <summary>
/// The questions the bot offers (welcome examples, suggestions after an answer). Each is made from an article's title and
/// offered only once the bot has answered it, asked on its own, with a citation of that article: the bot never offers a
/// question it would decline. Checked once per article, when first needed, and remembered.
/// </summary>
public sealed partial class SuggestedQuestions(AnswerService answers, DocumentCatalog catalog, ILogger<SuggestedQuestions> logger)
{
    // Suggestions are buttons; a longer question would be cut.
    private const int MaxChars = 80;

    private readonly ConcurrentDictionary<string, Lazy<Task<string?>>> _byArticle = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _configured = new(StringComparer.Ordinal);

    /// <summary>
    /// Up to <paramref name="count"/> examples: the <paramref name="configured"/> ones the bot answers, then questions about
    /// the articles in catalog order.
    /// </summary>
    public async Task<IReadOnlyList<string>> ExamplesAsync(IEnumerable<string> configured, int count)
    {
        var offered = new List<string>();
        foreach (var question in configured)
        {
            if (offered.Count == count) return offered;
            if (await _configured.GetOrAdd(question, q => new Lazy<Task<bool>>(() => ConfiguredIsAnsweredAsync(q))).Value) offered.Add(question);
        }

        foreach (var article in catalog.Documents)
        {
            if (offered.Count == count) break;
            if (await ForArticleAsync(article) is { } question && !offered.Contains(question)) offered.Add(question);
        }
        return offered;
    }

    /// <summary>Up to <paramref name="count"/> questions about the articles retrieval found for <paramref name="answer"/> but it did not cite.</summary>
    public async Task<IReadOnlyList<string>> AfterAsync(Answer answer, int count)
    {
        var cited = answer.Citations.Select(c => DocumentOf(c.PassageId)).ToHashSet(StringComparer.Ordinal);
        var offered = new List<string>();
        foreach (var id in answer.Passages.Select(p => p.Chunk.DocumentId).Where(id => !cited.Contains(id)).Distinct())
        {
            if (offered.Count == count) break;
            if (catalog.Find(id) is { } article && await ForArticleAsync(article) is { } question &&
                !string.Equals(question, answer.Question, StringComparison.OrdinalIgnoreCase))
                offered.Add(question);
        }
        return offered;
    }

    // Not cancellable: the result is shared by every later caller, and one check is a few local answers.
    private Task<string?> ForArticleAsync(DocumentInfo article) =>
        _byArticle.GetOrAdd(article.Id, _ => new Lazy<Task<string?>>(() => FirstAnsweredAsync(article))).Value;

    private async Task<bool> ConfiguredIsAnsweredAsync(string question)
    {
        try
        {
            if (IsAnswered(await answers.AskAsync(question), documentId: null)) return true;
            LogDeclined(logger, question);
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not offered this time, and not remembered: the next welcome checks again.
            _configured.TryRemove(question, out _);
            LogCheckFailed(logger, ex, question);
            return false;
        }
    }

    private async Task<string?> FirstAnsweredAsync(DocumentInfo article)
    {
        try
        {
            foreach (var question in Candidates(article.Title))
            {
                if (IsAnswered(await answers.AskAsync(question), article.Id)) return question;
            }
            LogNoQuestion(logger, article.Id);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failing answerer (a model outage) must not cost the user the answer these suggestions come with.
            _byArticle.TryRemove(article.Id, out _);
            LogCheckFailed(logger, ex, article.Id);
            return null;
        }
    }

    /// <summary>
    /// Questions from a title: a question the title itself asks ("… Are Japanese cars at a crossroads"), then what its
    /// first sentence reports and that sentence as a question, the sentence cut to its first clause when it is long.
    /// </summary>
    internal static IEnumerable<string> Candidates(string title)
    {
        var sentences = SentenceEnd().Split(title.Trim()).Select(s => s.Trim().TrimEnd('.', '!', '?', ':', ';', ',').Trim()).Where(s => s.Length > 0).ToList();
        if (sentences.Count == 0) yield break;
        var subjects = new[] { sentences[0], Shorten(sentences[0]) }.Distinct();
        var candidates = sentences.Skip(1).Where(s => QuestionWord().IsMatch(s)).Select(s => s + "?")
            .Concat(subjects.SelectMany(s => new[] { $"What does \"{s}\" report?", s + "?" }));
        foreach (var candidate in candidates.Where(c => c.Length <= MaxChars)) yield return candidate;
    }

    /// <summary>A long sentence cut after its first clause (a comma), or else at a word, to fit a button.</summary>
    private static string Shorten(string sentence)
    {
        const int max = 56;
        if (sentence.Length <= max) return sentence;
        var comma = sentence.IndexOf(',', 20);
        var cut = comma is > 0 and <= max ? comma : sentence.LastIndexOf(' ', max);
        return sentence[..(cut > 20 ? cut : max)].TrimEnd(',', ';', ':', ' ');
    }

    /// <summary>Answered with a citation (of <paramref name="documentId"/>, when given).</summary>
    private static bool IsAnswered(Answer answer, string? documentId) =>
        !answer.Declined && answer.Citations.Any(c => documentId is null || DocumentOf(c.PassageId) == documentId);

    // Passage ids are "{document id}#{position}".
    private static string DocumentOf(string passageId) => passageId[..Math.Max(0, passageId.LastIndexOf('#'))];

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"^(?:are|is|was|were|do|does|did|can|could|will|would|should|has|have|had|how|what|why|who|when|where|which)\b", RegexOptions.IgnoreCase)]
    private static partial Regex QuestionWord();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not offering the configured example question \"{Question}\": the bot does not answer it with a citation")]
    private static partial void LogDeclined(ILogger logger, string question);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check the suggested questions of {Subject}; none offered for now")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string subject);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No question made from the title of {DocumentId} is answered from it; none is offered")]
    private static partial void LogNoQuestion(ILogger logger, string documentId);
}
