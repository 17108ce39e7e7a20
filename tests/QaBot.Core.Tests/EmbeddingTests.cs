using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Configuration;
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
    [InlineData("MiniLM", false)]
    [InlineData("MiniLM", true)]
    [InlineData("ArcticXs", false)]
    public async Task A_paraphrase_is_closer_than_an_unrelated_sentence(string model, bool int8)
    {
        var g = new OnnxEmbeddingGenerator(int8 ? SentenceModel.Named(model).Quantized() : SentenceModel.Named(model));
        var sentence = await Embed(g, Sentence);
        var paraphrase = await Embed(g, Paraphrase);
        var unrelated = await Embed(g, Unrelated);
        Assert.True(Cosine(sentence, paraphrase) > Cosine(sentence, unrelated) + 0.1, $"paraphrase {Cosine(sentence, paraphrase)}, unrelated {Cosine(sentence, unrelated)}");
    }

    [Fact]
    public async Task The_int8_model_is_a_model_of_its_own_with_vectors_close_to_the_float_ones()
    {
        var int8 = new OnnxEmbeddingGenerator(SentenceModel.MiniLM.Quantized());
        Assert.NotEqual(SentenceModel.MiniLM.Id, int8.Model.Id);
        Assert.Same(int8.Model, int8.Model.Quantized());
        foreach (var text in new[] { Sentence, Paraphrase, Unrelated })
        {
            var cosine = Cosine(await Embed(MiniLM, text), await Embed(int8, text));
            Assert.True(cosine is > 0.97f and < 0.99999f, $"{text}: {cosine}");
        }
    }

    [Theory]
    [InlineData(null, true, false)]
    [InlineData(nameof(QuantizedTexts.None), false, false)]
    [InlineData(nameof(QuantizedTexts.All), true, true)]
    public void The_setting_chooses_which_texts_the_int8_model_embeds(string? setting, bool questions, bool passages)
    {
        using var services = QaBotTestHost.Build(setting is null ? null : new() { ["QaBot:Embedding:Quantized"] = setting });
        var question = services.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(OnnxEmbeddingGenerator.QueryKey);
        var passage = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        Assert.Equal(questions, question.GetService<OnnxEmbeddingGenerator>()!.Model.IsQuantized);
        Assert.Equal(passages, passage.GetService<OnnxEmbeddingGenerator>()!.Model.IsQuantized);
    }

    [Fact]
    public void Quantization_replaces_every_weight_matrix_of_the_six_layers()
    {
        using var stream = SentenceModel.MiniLM.OpenResource("model.onnx");
        var (quantized, matrices) = Int8Quantizer.Quantize(stream);
        // Per layer: query, key, value, attention output, and the two feed-forward matrices.
        Assert.Equal(6 * 6, matrices);
        Assert.True(quantized.Length < stream.Length * 0.75, $"{quantized.Length} of {stream.Length} bytes");
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

/// <summary>Concurrent embedding requests merged into one call of the inner generator.</summary>
public class CoalescingEmbeddingGeneratorTests
{
    private static readonly string[] Sentences =
    [
        "Honda and Toyota, two Japanese auto giants.",
        "Nissan.",
        "The football club won the cup final after extra time.",
        "Weak demand for its ageing cars in America pushed the carmaker to build fewer vehicles.",
    ];

    [Fact]
    public async Task Requests_made_while_a_call_runs_go_together_in_the_next_call_and_each_gets_its_own_vectors()
    {
        using var inner = new GatedGenerator();
        using var coalescing = new CoalescingEmbeddingGenerator(inner);
        var first = coalescing.GenerateAsync(["first"]);
        await inner.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var waiting = Sentences.Select(s => coalescing.GenerateAsync([s, s + " again"])).ToList();
        inner.Gate.SetResult();

        Assert.Equal("first", Text((await first)[0]));
        for (var i = 0; i < Sentences.Length; i++)
        {
            var own = await waiting[i];
            Assert.Equal([Sentences[i], Sentences[i] + " again"], own.Select(Text));
        }
        Assert.Equal([1, 2 * Sentences.Length], inner.CallSizes);
    }

    [Fact]
    public async Task Requests_with_other_options_are_not_merged()
    {
        using var inner = new GatedGenerator();
        using var coalescing = new CoalescingEmbeddingGenerator(inner);
        var first = coalescing.GenerateAsync(["first"]);
        await inner.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var queries = coalescing.GenerateAsync(["a question"], OnnxEmbeddingGenerator.QueryOptions);
        var passages = coalescing.GenerateAsync(["a passage"]);
        var more = coalescing.GenerateAsync(["another passage"]);
        inner.Gate.SetResult();
        await Task.WhenAll(first, queries, passages, more);

        Assert.Equal([1, 1, 2], inner.CallSizes);
        Assert.Equal([null, OnnxEmbeddingGenerator.QueryOptions, null], inner.CallOptions);
    }

    [Fact]
    public async Task A_failed_call_fails_its_requests_only_and_a_cancelled_caller_stops_waiting()
    {
        using var inner = new GatedGenerator { FailOn = "poison" };
        using var coalescing = new CoalescingEmbeddingGenerator(inner);
        var first = coalescing.GenerateAsync(["first"]);
        await inner.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var cancel = new CancellationTokenSource();
        var cancelled = coalescing.GenerateAsync(["cancelled"], cancellationToken: cancel.Token);
        var poisoned = coalescing.GenerateAsync(["poison"]);
        var neighbour = coalescing.GenerateAsync(["neighbour"]);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        inner.Gate.SetResult();

        await first;
        Assert.Equal("poison", (await Assert.ThrowsAsync<InvalidOperationException>(() => poisoned)).Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => neighbour);
        Assert.Equal("after", Text((await coalescing.GenerateAsync(["after"]))[0]));
        Assert.DoesNotContain(inner.Texts, t => t == "cancelled");
    }

    [Fact]
    public async Task Concurrent_questions_get_the_vectors_the_model_gives_each_alone()
    {
        var model = new OnnxEmbeddingGenerator(SentenceModel.MiniLM);
        using var coalescing = new CoalescingEmbeddingGenerator(model);
        var merged = await Task.WhenAll(Sentences.Select(s => Task.Run(() => coalescing.GenerateAsync(s, OnnxEmbeddingGenerator.QueryOptions))));
        for (var i = 0; i < Sentences.Length; i++)
        {
            var alone = await model.GenerateAsync(Sentences[i], OnnxEmbeddingGenerator.QueryOptions);
            Assert.True(TensorPrimitives.CosineSimilarity(alone.Vector.Span, merged[i].Vector.Span) > 0.9999, Sentences[i]);
        }
    }

    // The fake's vectors spell their text, so a test can tell whose vector a request got.
    private static string Text(Embedding<float> e) => new(e.Vector.ToArray().Select(f => (char)f).ToArray());

    /// <summary>Holds its first call until <see cref="Gate"/> opens, so the test can queue requests behind it.</summary>
    private sealed class GatedGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? FailOn { get; init; }

        public List<int> CallSizes { get; } = [];

        public List<EmbeddingGenerationOptions?> CallOptions { get; } = [];

        public List<string> Texts { get; } = [];

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToList();
            CallSizes.Add(texts.Count);
            CallOptions.Add(options);
            Texts.AddRange(texts);
            Started.TrySetResult();
            await Gate.Task;
            if (FailOn is not null && texts.Contains(FailOn)) throw new InvalidOperationException(FailOn);
            return new(texts.Select(t => new Embedding<float>(t.Select(c => (float)c).ToArray())));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
