using QaBot.Chunking;

namespace QaBot.Retrieval;

/// <summary>A passage the retriever found, with its fused score and where each ranker placed it (1-based; null = not found).</summary>
public sealed record RetrievedPassage(Chunk Chunk, double Score, int? KeywordRank, int? VectorRank);
