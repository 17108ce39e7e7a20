using System.Globalization;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Retrieval;

namespace QaBot.Answering;

/// <summary>
/// Answers with a chat model (Azure OpenAI in production) from numbered passages, using the templates in prompts/.
/// The reply's [n] markers are checked against the passages actually sent: unknown numbers are removed, the rest are
/// renumbered in order of use. A reply that cites nothing, or a model that fails, falls back to the extractive answer
/// with a one-line notice, so the user always gets a grounded answer or a clear decline.
/// </summary>
public sealed partial class ChatAnswerer(
    IChatClient chat,
    PromptLibrary prompts,
    ExtractiveAnswerer extractive,
    IOptions<AnsweringOptions> options,
    ILogger<ChatAnswerer> logger) : IAnswerer
{
    public const string ModelUnavailableNotice = "The language model is unavailable right now, so this answer was extracted directly from the articles.";
    public const string UngroundedNotice = "The language model's answer cited no passage, so an extract from the articles is shown instead.";

    public async Task<AnswerDraft> AnswerAsync(string question, IReadOnlyList<RetrievedPassage> passages, CancellationToken cancellationToken)
    {
        if (passages.Count == 0) return AnswerDraft.Decline();
        var sent = passages.Take(options.Value.MaxPassages).ToList();
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, prompts.System),
            new(ChatRole.User, PromptLibrary.Fill(prompts.Answer, new Dictionary<string, string>
            {
                ["passages"] = FormatPassages(sent),
                ["question"] = question.Trim(),
            })),
        };

        string reply;
        try
        {
            var response = await chat.GetResponseAsync(messages, new ChatOptions { Temperature = 0 }, cancellationToken);
            reply = response.Text.Trim();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogModelFailed(logger, ex);
            return await Fallback(question, passages, ModelUnavailableNotice, cancellationToken);
        }

        if (reply.Length == 0) return await Fallback(question, passages, UngroundedNotice, cancellationToken);
        if (reply.Contains("couldn't find that in the articles", StringComparison.OrdinalIgnoreCase) || reply.Contains("could not find that in the articles", StringComparison.OrdinalIgnoreCase))
        {
            return AnswerDraft.Decline();
        }

        var (text, cited) = Renumber(reply, sent.Count);
        if (cited.Count == 0) return await Fallback(question, passages, UngroundedNotice, cancellationToken);

        var citations = cited.Select((passageNumber, i) =>
        {
            var chunk = sent[passageNumber - 1].Chunk;
            return ExtractiveAnswerer.CitationFor(i + 1, chunk, BestQuote(chunk, text));
        }).ToList();
        return new AnswerDraft(text, false, citations);
    }

    /// <summary>
    /// Passages are delimited and labelled as data (see prompts/system.md), with attributes escaped, so a passage
    /// cannot close its own tag and pose as instructions; sentences that give instructions are left out altogether.
    /// </summary>
    public static string FormatPassages(IReadOnlyList<RetrievedPassage> passages)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < passages.Count; i++)
        {
            var c = passages[i].Chunk;
            sb.Append(CultureInfo.InvariantCulture, $"<passage id=\"{i + 1}\" title=\"{SecurityElement.Escape(c.Title)}\" source=\"{SecurityElement.Escape(c.SourcePath)}\"");
            if (c.Published is { } d) sb.Append(CultureInfo.InvariantCulture, $" published=\"{d:yyyy-MM-dd}\"");
            sb.Append(">\n").Append(SecurityElement.Escape(WithoutDirectives(c))).Append("\n</passage>\n\n");
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>The passage without its sentences that instruct the reader or the bot: planted instructions never reach the model.</summary>
    private static string WithoutDirectives(Chunk chunk) => string.Join('\n', chunk.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => string.Join(' ', SentenceSplitter.Split(p).Select(s => s.Text).Where(s => !ReaderDirectives.IsDirective(s))))
        .Where(p => p.Length > 0));

    /// <summary>Keeps markers that name a passage that was sent, renumbered 1..n in order of first use; drops the rest.</summary>
    public static (string Text, List<int> Cited) Renumber(string reply, int passageCount)
    {
        var cited = new List<int>();
        var text = Marker().Replace(reply, m =>
        {
            var numbers = m.Groups["n"].Captures.Select(c => int.Parse(c.Value, CultureInfo.InvariantCulture)).Where(n => n >= 1 && n <= passageCount).Distinct().ToList();
            var labels = new List<string>();
            foreach (var n in numbers)
            {
                var index = cited.IndexOf(n);
                if (index < 0)
                {
                    cited.Add(n);
                    index = cited.Count - 1;
                }
                labels.Add($"[{index + 1}]");
            }
            // An unknown marker disappears with its space; a kept one keeps the spacing the model used.
            return labels.Count == 0 ? "" : (char.IsWhiteSpace(m.Value[0]) ? " " : "") + string.Concat(labels);
        });
        text = SpaceBeforePunctuation().Replace(text, "$1").Trim();
        return (text, cited);
    }

    private static string BestQuote(Chunk chunk, string answer)
    {
        var answerTerms = AnswerFeatures.TermSet(answer);
        return SentenceSplitter.Split(chunk.Text)
            .Select(s => (s.Text, Overlap: AnswerFeatures.TermSet(s.Text).Count(answerTerms.Contains)))
            .OrderByDescending(x => x.Overlap)
            .Select(x => x.Text)
            .FirstOrDefault() ?? chunk.Text;
    }

    private async Task<AnswerDraft> Fallback(string question, IReadOnlyList<RetrievedPassage> passages, string notice, CancellationToken cancellationToken)
    {
        var draft = await extractive.AnswerAsync(question, passages, cancellationToken);
        return draft with { Notice = notice };
    }

    [GeneratedRegex(@"\s?\[(?<n>[0-9]{1,3})(?:\s*,\s*(?<n>[0-9]{1,3}))*\]")]
    private static partial Regex Marker();

    [GeneratedRegex(@"\s+([.,;:!?])")]
    private static partial Regex SpaceBeforePunctuation();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The chat model failed; answering extractively")]
    private static partial void LogModelFailed(ILogger logger, Exception ex);
}
