using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using QaBot.Embedding;

namespace QaBot.Core.Tests;

/// <summary>The offline ONNX sentence embedder. Sentences are from the seed articles, or plain paraphrases of them.</summary>
public class OnnxEmbeddingGeneratorTests
{
    private const string Sentence = "Nissan’s old models in the US market have encountered weak demand and serious inventory backlogs, forcing the company to take production cuts to cope with market changes.";
    private const string Paraphrase = "Weak demand for its ageing cars in America pushed the carmaker to build fewer vehicles.";
    private const string Unrelated = "The football club won the cup final after extra time.";

    private static readonly OnnxEmbeddingGenerator MiniLM = new(SentenceModel.MiniLM);

    private static float Cosine(ReadOnlyMemory<float> a, ReadOnlyMemory<float> b) => TensorPrimitives.CosineSimilarity(a.Span, b.Span);

    private static async Task<ReadOnlyMemory<float>> Embed(IEmbeddingGenerator<string, Embedding<float>> g, string text, EmbeddingGenerationOptions? options = null) =>
        (await g.GenerateAsync(text, options)).Vector;

    [Fact]
    public async Task Same_text_gives_identical_unit_vectors_from_another_instance()
    {
        var first = (await Embed(MiniLM, Sentence)).ToArray();
        var again = (await Embed(new OnnxEmbeddingGenerator(SentenceModel.MiniLM), Sentence)).ToArray();
        Assert.Equal(first, again);
        Assert.Equal(SentenceModel.Dimensions, first.Length);
        Assert.Equal(1.0, TensorPrimitives.Norm(first), 4);
    }

    [Theory]
    [InlineData("MiniLM")]
    [InlineData("ArcticXs")]
    public async Task A_paraphrase_is_closer_than_an_unrelated_sentence(string model)
    {
        var g = new OnnxEmbeddingGenerator(SentenceModel.Named(model));
        var sentence = await Embed(g, Sentence);
        var paraphrase = await Embed(g, Paraphrase);
        var unrelated = await Embed(g, Unrelated);
        Assert.True(Cosine(sentence, paraphrase) > Cosine(sentence, unrelated) + 0.1, $"paraphrase {Cosine(sentence, paraphrase)}, unrelated {Cosine(sentence, unrelated)}");
    }

    [Fact]
    public async Task Batching_by_length_gives_the_same_vectors_as_one_by_one_in_input_order()
    {
        // Lengths differ a lot, so the batch is reordered and padded differently from single runs.
        var texts = new[] { Sentence, "Nissan.", Unrelated, Paraphrase + " " + Sentence + " " + Sentence, "Honda and Toyota, two Japanese auto giants." };
        var batch = await MiniLM.GenerateAsync(texts);
        Assert.Equal(texts.Length, batch.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            var single = await Embed(MiniLM, texts[i]);
            Assert.True(Cosine(single, batch[i].Vector) > 0.9999, $"text {i}: {Cosine(single, batch[i].Vector)}");
        }
    }

    [Fact]
    public async Task Questions_carry_the_query_prefix_only_for_models_that_want_one()
    {
        var arctic = new OnnxEmbeddingGenerator(SentenceModel.ArcticXs);
        Assert.NotEqual((await Embed(arctic, Sentence)).ToArray(), (await Embed(arctic, Sentence, OnnxEmbeddingGenerator.QueryOptions)).ToArray());
        Assert.Equal((await Embed(MiniLM, Sentence)).ToArray(), (await Embed(MiniLM, Sentence, OnnxEmbeddingGenerator.QueryOptions)).ToArray());
    }

    [Fact]
    public void Long_texts_are_cut_to_the_model_limit_with_its_special_tokens()
    {
        var tokens = MiniLM.Tokenize(string.Join(' ', Enumerable.Repeat(Sentence, 40)));
        Assert.Equal(SentenceModel.MiniLM.MaxTokens, tokens.Length);
        Assert.Equal(MiniLM.Tokenize("")[0], tokens[0]);
    }

    [Fact]
    public async Task Reports_its_model_through_the_abstraction()
    {
        IEmbeddingGenerator<string, Embedding<float>> g = MiniLM;
        var metadata = g.GetService<EmbeddingGeneratorMetadata>();
        Assert.Equal("all-MiniLM-L6-v2", metadata?.DefaultModelId);
        Assert.Equal(384, metadata?.DefaultModelDimensions);
        Assert.Empty(await g.GenerateAsync([]));
    }
}
