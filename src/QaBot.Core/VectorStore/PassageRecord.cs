using Microsoft.Extensions.VectorData;
using QaBot.Chunking;

namespace QaBot.VectorStore;

/// <summary>How a passage is stored in a <see cref="Microsoft.Extensions.VectorData.VectorStore"/>: key, filterable metadata, embedding.</summary>
public sealed class PassageRecord
{
    public const string CollectionName = "passages";

    public required string Id { get; init; }

    public required string DocumentId { get; init; }

    public required string Title { get; init; }

    public required string SourcePath { get; init; }

    public string? Url { get; init; }

    public DateOnly? Published { get; init; }

    public int Position { get; init; }

    /// <summary>Set, or read from the passage the record was made from, which may keep it in a stored index.</summary>
    public string Text { get => field ?? _chunk?.Text ?? ""; init; }

    public ReadOnlyMemory<float> Embedding { get; init; }

    private readonly Chunk? _chunk;

    public PassageRecord() { }

    private PassageRecord(Chunk chunk) => _chunk = chunk;

    public Chunk ToChunk() => _chunk ?? new(Id, DocumentId, Title, SourcePath, Url, Published, Position, Text);

    public static PassageRecord From(Chunk chunk, ReadOnlyMemory<float> embedding) => new(chunk)
    {
        Id = chunk.Id,
        DocumentId = chunk.DocumentId,
        Title = chunk.Title,
        SourcePath = chunk.SourcePath,
        Url = chunk.Url,
        Published = chunk.Published,
        Position = chunk.Position,
        Embedding = embedding,
    };

    /// <summary>
    /// The schema, built at run time because the vector size depends on the configured embedder
    /// (1024 for the local one, 1536 or 3072 for Azure OpenAI models).
    /// </summary>
    public static VectorStoreCollectionDefinition Definition(int dimensions) => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty(nameof(Id), typeof(string)),
            new VectorStoreDataProperty(nameof(DocumentId), typeof(string)) { IsIndexed = true },
            new VectorStoreDataProperty(nameof(Title), typeof(string)),
            new VectorStoreDataProperty(nameof(SourcePath), typeof(string)) { IsIndexed = true },
            new VectorStoreDataProperty(nameof(Url), typeof(string)),
            new VectorStoreDataProperty(nameof(Published), typeof(DateOnly?)) { IsIndexed = true },
            new VectorStoreDataProperty(nameof(Position), typeof(int)),
            new VectorStoreDataProperty(nameof(Text), typeof(string)) { IsFullTextIndexed = true },
            new VectorStoreVectorProperty(nameof(Embedding), typeof(ReadOnlyMemory<float>), dimensions) { DistanceFunction = DistanceFunction.CosineSimilarity },
        ],
    };
}
