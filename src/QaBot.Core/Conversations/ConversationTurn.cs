namespace QaBot.Conversations;

/// <summary>One question and answer in a conversation, with the articles the answer cited (the conversation's focus).</summary>
public sealed record ConversationTurn(string Question, string StandaloneQuestion, string Answer, IReadOnlyList<string> DocumentIds, DateTimeOffset At);

/// <summary>Conversation memory by conversation id. In-memory by default; a shared store (Redis, Cosmos DB) can replace it.</summary>
public interface IConversationStore
{
    Task<IReadOnlyList<ConversationTurn>> GetAsync(string conversationId, CancellationToken cancellationToken = default);

    Task AppendAsync(string conversationId, ConversationTurn turn, CancellationToken cancellationToken = default);
}

/// <summary>A standalone question, and whether it was rewritten from a follow-up (then retrieval keeps the conversation's focus).</summary>
public readonly record struct RewrittenQuestion(string Text, bool IsFollowUp);

/// <summary>Turns a follow-up ("and Toyota?") into a question that stands on its own, using the conversation so far.</summary>
public interface IFollowUpRewriter
{
    Task<RewrittenQuestion> RewriteAsync(string question, IReadOnlyList<ConversationTurn> history, CancellationToken cancellationToken = default);
}
