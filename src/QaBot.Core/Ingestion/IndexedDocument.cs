using QaBot.Chunking;
using QaBot.Retrieval;

namespace QaBot.Ingestion;

/// <summary>
/// Everything the index holds for one article: where it came from and its content hash (to tell when it changed), its
/// passages and sentences with their embeddings. The unit that is re-embedded, stored and loaded.
/// </summary>
public sealed record IndexedDocument(
    DocumentInfo Info,
    string ContentHash,
    IReadOnlyList<Chunk> Chunks,
    IReadOnlyList<ReadOnlyMemory<float>> ChunkVectors,
    IReadOnlyList<string> Sentences,
    IReadOnlyList<ReadOnlyMemory<float>> SentenceVectors,
    KeywordEntry Keywords);
