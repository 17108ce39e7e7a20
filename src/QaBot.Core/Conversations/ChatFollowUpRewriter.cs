using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using QaBot.Answering;

namespace QaBot.Conversations;

/// <summary>Rewrites follow-ups with the chat model (prompts/rewrite.md); falls back to the heuristic rewriter if the model fails.</summary>
public sealed partial class ChatFollowUpRewriter(IChatClient chat, PromptLibrary prompts, ILogger<ChatFollowUpRewriter> logger) : IFollowUpRewriter
{
    private const int HistoryTurns = 4;

    public async Task<RewrittenQuestion> RewriteAsync(string question, IReadOnlyList<ConversationTurn> history, CancellationToken cancellationToken = default)
    {
        if (history.Count == 0) return new(question.Trim(), false);
        var transcript = new StringBuilder();
        foreach (var turn in history.TakeLast(HistoryTurns)) transcript.Append("User: ").AppendLine(turn.StandaloneQuestion).Append("Assistant: ").AppendLine(turn.Answer);
        var prompt = PromptLibrary.Fill(prompts.Rewrite, new Dictionary<string, string> { ["history"] = transcript.ToString(), ["question"] = question.Trim() });
        try
        {
            var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { Temperature = 0 }, cancellationToken);
            var rewritten = response.Text.Trim().Trim('"');
            if (rewritten.Length == 0) return HeuristicFollowUpRewriter.Rewrite(question, history);
            return new(rewritten, !string.Equals(rewritten, question.Trim(), StringComparison.OrdinalIgnoreCase));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogRewriteFailed(logger, ex);
            return HeuristicFollowUpRewriter.Rewrite(question, history);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The chat model could not rewrite the follow-up; used the heuristic rewriter")]
    private static partial void LogRewriteFailed(ILogger logger, Exception ex);
}
