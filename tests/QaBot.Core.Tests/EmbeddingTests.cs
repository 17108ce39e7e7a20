using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using QaBot.Configuration;
using QaBot.Embedding;
using QaBot.Text;

namespace QaBot.Core.Tests;

public class LocalEmbeddingGeneratorTests
{
    private static readonly string[] Corpus =
    [
        "Honda sales dropped by 24.2% in China this year.",
        "Car makers in Japan cut production as demand weakens.",
        "The football club won the cup final after extra time.",
        "The band released a new album and announced a world tour.",
        "Interest rates were left unchanged by the central bank.",
    ];

    /// <summary>Term statistics over a small corpus, as ingestion would leave them, so IDF weights are realistic.</summary>
    private static TermStatistics Statistics()
    {
        var statistics = new TermStatistics();
        foreach (var text in Corpus) statistics.Add(TextAnalyzer.Terms(text).Distinct(StringComparer.Ordinal));
        return statistics;
    }

    private static LocalEmbeddingGenerator Generator(int dimensions = 1024) =>
        new(Statistics(), Options.Create(new EmbeddingOptions { Dimensions = dimensions }));

    private static float Cosine(LocalEmbeddingGenerator g, string a, string b) =>
        TensorPrimitives.CosineSimilarity(g.Embed(a).Vector.Span, g.Embed(b).Vector.Span);

    [Fact]
    public void Same_text_gives_identical_vectors_even_from_a_new_instance()
    {
        var first = Generator().Embed(Corpus[0]).Vector.ToArray();
        var again = Generator().Embed(Corpus[0]).Vector.ToArray();
        var other = Generator();
        Assert.Equal(first, again);
        Assert.Equal(first, other.Embed(Corpus[0]).Vector.ToArray());
        Assert.NotEqual(first, other.Embed(Corpus[1]).Vector.ToArray());
    }

    [Theory]
    [InlineData(64)]
    [InlineData(1024)]
    [InlineData(1536)]
    public void Vectors_have_the_configured_dimension_and_unit_length(int dimensions)
    {
        var generator = Generator(dimensions);
        foreach (var text in Corpus.Append("carmaker"))
        {
            var vector = generator.Embed(text).Vector.Span;
            Assert.Equal(dimensions, vector.Length);
            Assert.Equal(1.0, TensorPrimitives.Norm(vector), 4);
        }
    }

    [Fact]
    public void Text_without_terms_gives_a_zero_vector_not_NaN()
    {
        var vector = Generator().Embed("the and of ...").Vector.ToArray();
        Assert.All(vector, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Similar_texts_are_closer_than_unrelated_ones()
    {
        var g = Generator();
        var related = Cosine(g, "How much did Honda sales drop in China?", Corpus[0]);
        var unrelated = Cosine(g, "How much did Honda sales drop in China?", Corpus[2]);
        Assert.True(related > 0.3, $"related {related}");
        Assert.True(related > unrelated + 0.2, $"related {related}, unrelated {unrelated}");
    }

    [Fact]
    public void Sub_words_bring_compounds_near_their_parts()
    {
        var g = Generator();
        var near = Cosine(g, "carmaker", "Car makers in Japan");
        var far = Cosine(g, "carmaker", "The band released a new album");
        // The whole word "carmaker" appears in neither text, so only shared character n-grams can bring it near.
        Assert.True(near > far + 0.02, $"near {near}, far {far}");

        var typo = Cosine(g, "Mitsubshi Motors", "Mitsubishi joined the alliance");
        var other = Cosine(g, "Mitsubshi Motors", "The football club won the cup final");
        Assert.True(typo > other + 0.02, $"typo {typo}, other {other}");
    }

    [Fact]
    public void Inflections_match_through_stemming()
    {
        var g = Generator();
        Assert.True(Cosine(g, "sales dropped", "sales drop") > Cosine(g, "sales dropped", "sales rose"));
    }

    [Fact]
    public async Task Works_through_the_IEmbeddingGenerator_abstraction()
    {
        IEmbeddingGenerator<string, Embedding<float>> generator = Generator(256);
        // 20 texts: above the size at which the generator embeds in parallel; order must be kept.
        var texts = Enumerable.Range(0, 20).Select(i => Corpus[i % Corpus.Length] + " " + i).ToList();
        var embeddings = await generator.GenerateAsync(texts);
        Assert.Equal(texts.Count, embeddings.Count);
        for (var i = 0; i < texts.Count; i++) Assert.Equal(Generator(256).Embed(texts[i]).Vector.ToArray(), embeddings[i].Vector.ToArray());
        Assert.Equal(256, generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions);
    }
}
