using QaBot.Chunking;
using QaBot.Retrieval;

namespace QaBot.Ingestion;

/// <summary>
/// Everything the index holds for one article: where it came from and its content hash (to tell when it changed), its
/// passages and sentences with their embeddings. The unit that is re-embedded, stored and loaded.
/// </summary>
/// <param name="SentenceHashes">Each distinct sentence of the passages, in the order of <paramref name="SentenceVectors"/>,
/// by <see cref="VectorStore.SentenceRecord.Hash"/> of its text: the texts are the passages'.</param>
public sealed record IndexedDocument(
    DocumentInfo Info,
    string ContentHash,
    IReadOnlyList<Chunk> Chunks,
    IReadOnlyList<ReadOnlyMemory<float>> ChunkVectors,
    IReadOnlyList<ulong> SentenceHashes,
    IReadOnlyList<ReadOnlyMemory<float>> SentenceVectors,
    KeywordEntry Keywords);
