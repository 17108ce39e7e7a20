using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.VectorData;

namespace QaBot.VectorStore;

/// <summary>
/// One sentence of an article with its embedding, so the answerer can weigh each candidate sentence by meaning
/// without embedding it at question time. Keyed by article and text, because overlapping passages repeat sentences.
/// </summary>
public sealed class SentenceRecord
{
    public const string CollectionName = "sentences";

    public required string Id { get; init; }

    public required string DocumentId { get; init; }

    public required string Text { get; init; }

    public ReadOnlyMemory<float> Embedding { get; init; }

    /// <summary>XxHash3 of the text: deterministic across processes (string.GetHashCode is not), so keys survive a restart.</summary>
    public static string KeyFor(string documentId, string text) =>
        documentId + "#s" + XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(text)).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    public static VectorStoreCollectionDefinition Definition(int dimensions) => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty(nameof(Id), typeof(string)),
            new VectorStoreDataProperty(nameof(DocumentId), typeof(string)) { IsIndexed = true },
            new VectorStoreDataProperty(nameof(Text), typeof(string)),
            new VectorStoreVectorProperty(nameof(Embedding), typeof(ReadOnlyMemory<float>), dimensions) { DistanceFunction = DistanceFunction.CosineSimilarity },
        ],
    };
}
