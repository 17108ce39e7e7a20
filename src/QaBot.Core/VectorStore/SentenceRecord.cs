using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.VectorData;

namespace QaBot.VectorStore;

/// <summary>
/// The embedding of one sentence of an article, so the answerer can weigh each candidate sentence by meaning without
/// embedding it at question time. Keyed by article and a hash of the text, because overlapping passages repeat
/// sentences; the text itself is read from the passages, so it is not held twice.
/// </summary>
public sealed class SentenceRecord
{
    public const string CollectionName = "sentences";

    public required Guid Id { get; init; }

    public required string DocumentId { get; init; }

    public ReadOnlyMemory<float> Embedding { get; init; }

    public static Guid KeyFor(string documentId, string text) => KeyFor(documentId, Hash(text));

    /// <summary>128 bits of hash over the article's id and the text's: tens of thousands of keys, and no string each.</summary>
    public static Guid KeyFor(string documentId, ulong textHash)
    {
        Span<byte> key = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(key, XxHash128.HashToUInt128(Utf8(documentId, stackalloc byte[StackBytes]), unchecked((long)textHash)));
        return new Guid(key);
    }

    /// <summary>XxHash3 of the text: deterministic across processes (string.GetHashCode is not), so keys survive a restart.</summary>
    public static ulong Hash(string text) => XxHash3.HashToUInt64(Utf8(text, stackalloc byte[StackBytes]));

    private const int StackBytes = 1024;

    /// <summary>
    /// The UTF-8 bytes in <paramref name="buffer"/> when they fit: keys are made for every sentence of a corpus while it
    /// loads and for every candidate of a question, so a byte array each is garbage at every turn.
    /// </summary>
    private static ReadOnlySpan<byte> Utf8(string text, Span<byte> buffer) =>
        Encoding.UTF8.TryGetBytes(text, buffer, out var written) ? buffer[..written] : Encoding.UTF8.GetBytes(text);

    public static VectorStoreCollectionDefinition Definition(int dimensions) => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty(nameof(Id), typeof(Guid)),
            new VectorStoreDataProperty(nameof(DocumentId), typeof(string)) { IsIndexed = true },
            new VectorStoreVectorProperty(nameof(Embedding), typeof(ReadOnlyMemory<float>), dimensions) { DistanceFunction = DistanceFunction.CosineSimilarity },
        ],
    };
}
