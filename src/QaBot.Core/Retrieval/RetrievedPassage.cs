using System.Collections.ObjectModel;
using QaBot.Chunking;

namespace QaBot.Retrieval;

/// <summary>A passage the retriever found, with its fused score and where each ranker placed it (1-based; null = not found).</summary>
public sealed record RetrievedPassage(Chunk Chunk, double Score, int? KeywordRank, int? VectorRank);

/// <summary>
/// The passages retrieved for a question, best first, with the question's vector as retrieval computed it, so that the
/// answerer compares sentences with that same vector instead of embedding the question again.
/// </summary>
public sealed class RetrievedPassages(IList<RetrievedPassage> passages, ReadOnlyMemory<float> questionVector) : ReadOnlyCollection<RetrievedPassage>(passages)
{
    public ReadOnlyMemory<float> QuestionVector { get; } = questionVector;
}
