using QaBot.Chunking;
using QaBot.Ingestion;
using QaBot.Retrieval;
using QaBot.VectorStore;

namespace QaBot.Core.Tests.Infrastructure;

/// <summary>Articles as the index holds them, built in memory with chosen vectors, for tests of the index's parts.</summary>
internal static class IndexedDocuments
{
    /// <summary>One article whose passages are <paramref name="texts"/>; <paramref name="vectorOf"/> gives each passage's and each sentence's vector.</summary>
    public static IndexedDocument Create(string id, Func<string, ReadOnlyMemory<float>> vectorOf, params string[] texts)
    {
        var chunks = texts.Select((t, i) => new Chunk($"{id}#{i}", id, $"Title {id}", $"{id}.txt", "https://example.com/" + id, new DateOnly(2024, 5, 1), i, t)).ToList();
        var sentences = chunks.SelectMany(c => c.Sentences()).Distinct(StringComparer.Ordinal).ToList();
        return new IndexedDocument(new DocumentInfo(id, $"Title {id}", $"{id}.txt", "https://example.com/" + id, new DateOnly(2024, 5, 1), chunks.Count), "hash-" + id,
            chunks, chunks.Select(c => vectorOf(c.Text)).ToList(), sentences.ConvertAll(SentenceRecord.Hash), sentences.Select(vectorOf).ToList(), KeywordEntry.Analyse(chunks));
    }
}
