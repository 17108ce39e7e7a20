using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using QaBot.Configuration;
using QaBot.Text;

namespace QaBot.Embedding;

/// <summary>
/// The offline embedder: no neural weights, no download. A text becomes a fixed-size vector by feature hashing
/// (with a sign bit, to keep collisions unbiased) of three kinds of features, each weighted by the term's IDF over
/// the indexed passages and a sublinear term frequency, then L2-normalised:
/// <list type="bullet">
/// <item>stemmed words, so "dropped" matches "drop";</item>
/// <item>word bigrams, so "Carlos Ghosn" counts more than "Carlos" and "Ghosn" apart;</item>
/// <item>character 3–5-grams of each word (fastText-style subwords), so "carmaker" is near "car" and typos still match.</item>
/// </list>
/// It measures lexical and sub-word overlap, not meaning: "grew" is not near "increase". Deterministic: the same
/// text and the same indexed corpus give the same vector on every machine.
/// </summary>
public sealed class LocalEmbeddingGenerator(TermStatistics statistics, IOptions<EmbeddingOptions> options)
    : IEmbeddingGenerator<string, Embedding<float>>
{
    private const float BigramWeight = 0.6f;
    private const float SubwordWeight = 0.35f;
    private const ulong WordSeed = 0x9E3779B97F4A7C15;
    private const ulong BigramSeed = 0xC2B2AE3D27D4EB4F;
    private const ulong SubwordSeed = 0x165667B19E3779F9;

    private readonly int _dimensions = options.Value.Dimensions;
    private readonly EmbeddingGeneratorMetadata _metadata = new("qabot-local-hashing", defaultModelId: "hashing-v1", defaultModelDimensions: options.Value.Dimensions);

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        var results = new Embedding<float>[texts.Count];
        // CPU-bound and independent per text: use the cores for large batches (ingestion), stay inline for a question.
        if (texts.Count >= 16)
        {
            Parallel.For(0, texts.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => results[i] = Embed(texts[i]));
        }
        else
        {
            for (var i = 0; i < texts.Count; i++) results[i] = Embed(texts[i]);
        }
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(results));
    }

    public Embedding<float> Embed(string text)
    {
        var vector = new float[_dimensions];
        var tokens = Tokenizer.Tokenize(text);

        // Sublinear term frequency: the tenth "Honda" in a passage says less than the first.
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var terms = new List<(string Term, string Word)>(tokens.Count);
        foreach (var token in tokens)
        {
            if (TextAnalyzer.Term(token) is not { } term) continue;
            terms.Add((term, token.Normalized));
            counts[term] = counts.GetValueOrDefault(term) + 1;
        }

        foreach (var (term, count) in counts)
        {
            Add(vector, Hash(term, WordSeed), (float)(Weight(term) * (1 + Math.Log(count))));
        }

        Span<char> buffer = stackalloc char[66];
        for (var i = 0; i < terms.Count; i++)
        {
            var (term, word) = terms[i];
            var w = (float)Weight(term);
            if (i + 1 < terms.Count)
            {
                var next = terms[i + 1].Term;
                var bigram = Hash(term, BigramSeed) ^ (Hash(next, BigramSeed) * 31);
                Add(vector, bigram, BigramWeight * 0.5f * (w + (float)Weight(next)));
            }

            // Sub-words of "<word>"; numbers and very long tokens are matched whole, not by pieces.
            if (word.Length > 64 || !char.IsLetter(word[0])) continue;
            buffer[0] = '<';
            word.AsSpan().CopyTo(buffer[1..]);
            buffer[word.Length + 1] = '>';
            var padded = buffer[..(word.Length + 2)];
            var grams = 0;
            for (var n = 3; n <= 5; n++) grams += Math.Max(0, padded.Length - n + 1);
            if (grams == 0) continue;
            var gw = SubwordWeight * w / MathF.Sqrt(grams);
            for (var n = 3; n <= 5; n++)
            {
                for (var s = 0; s + n <= padded.Length; s++) Add(vector, Hash(padded.Slice(s, n), SubwordSeed), gw);
            }
        }

        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0) TensorPrimitives.Divide(vector, norm, vector);
        return new Embedding<float>(vector) { ModelId = _metadata.DefaultModelId, CreatedAt = null };
    }

    private double Weight(string term) => statistics.Idf(term);

    private void Add(float[] vector, ulong hash, float weight)
    {
        var index = (int)(hash % (ulong)_dimensions);
        vector[index] += (hash >> 63) == 0 ? weight : -weight;
    }

    /// <summary>FNV-1a, 64-bit, with a final mix: stable across processes, unlike string.GetHashCode.</summary>
    private static ulong Hash(ReadOnlySpan<char> s, ulong seed)
    {
        var h = 14695981039346656037UL ^ seed;
        foreach (var c in s)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        return h;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
