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

    public required string Text { get; init; }

    public ReadOnlyMemory<float> Embedding { get; init; }

    public Chunk ToChunk() => new(Id, DocumentId, Title, SourcePath, Url, Published, Position, Text);

    public static PassageRecord From(Chunk chunk, ReadOnlyMemory<float> embedding) => new()
    {
        Id = chunk.Id,
        DocumentId = chunk.DocumentId,
        Title = chunk.Title,
        SourcePath = chunk.SourcePath,
        Url = chunk.Url,
        Published = chunk.Published,
        Position = chunk.Position,
        Text = chunk.Text,
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
