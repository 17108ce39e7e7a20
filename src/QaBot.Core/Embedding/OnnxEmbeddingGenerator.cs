using System.Collections.Concurrent;
using System.Numerics.Tensors;
using FastBertTokenizer;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;

namespace QaBot.Embedding;

/// <summary>
/// The offline default embedder: a <see cref="SentenceModel"/> run by ONNX Runtime on this machine's cores. Texts are
/// tokenized once, sorted by length and run in batches of similar length under a token budget, so no text is padded
/// to the corpus's longest; pooled vectors are L2-normalised. Hand-written on <see cref="InferenceSession"/> because the
/// package's own encoder pads every batch to its longest text and runs one batch at a time.
/// </summary>
public sealed class OnnxEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Mark a call as embedding questions (not passages), for models that prefix queries.</summary>
    public static EmbeddingGenerationOptions QueryOptions { get; } = new() { AdditionalProperties = new() { [InputTypeKey] = "query" } };

    /// <summary>The DI key of the question embedder: the same model behind a small cache (retrieval and the answerer embed a question once) and a <see cref="CoalescingEmbeddingGenerator"/> (concurrent questions run as one batch).</summary>
    public const string QueryKey = "query";

    private const string InputTypeKey = "input_type";

    /// <summary>Padded tokens per ONNX run: large enough to keep both cores busy, small enough to stay in cache.</summary>
    private const int TokensPerBatch = 4096;

    private const int MaxBatch = 64;

    /// <summary>
    /// One session per model for the whole process: loading costs about a second and 100 MB, the session is safe to
    /// run from many threads, and several hosts in one process (tests, calibration) then share it.
    /// </summary>
    private static readonly ConcurrentDictionary<string, Lazy<(InferenceSession Session, BertTokenizer Tokenizer)>> Sessions = new(StringComparer.Ordinal);

    private readonly Lazy<(InferenceSession Session, BertTokenizer Tokenizer)> _loaded;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly string? _cacheFolder;

    /// <summary>The model loads on first use, so asking for the model's id (to check a stored index) costs nothing.</summary>
    /// <param name="model">The sentence model.</param>
    /// <param name="cacheFolder">
    /// Where the optimised graph is kept between processes (see <see cref="Load(SentenceModel, string?, int)"/>); null: not
    /// kept. The first generator of a model in a process decides, as the session is shared.
    /// </param>
    /// <param name="threads">
    /// Threads one model run may use; all the machine's cores when null. One for a model that embeds only questions: a
    /// question is too small to split (two threads took 2.8× the CPU and twice the time of one for an int8 question
    /// here), and concurrent questions keep the cores busy.
    /// </param>
    public OnnxEmbeddingGenerator(SentenceModel model, string? cacheFolder = null, int? threads = null)
    {
        Model = model;
        _cacheFolder = cacheFolder;
        var intraOp = threads ?? Environment.ProcessorCount;
        _loaded = Sessions.GetOrAdd(model.Id, _ => new Lazy<(InferenceSession, BertTokenizer)>(() => Load(model, cacheFolder, intraOp)));
        _metadata = new EmbeddingGeneratorMetadata("onnxruntime", defaultModelId: model.Id, defaultModelDimensions: SentenceModel.Dimensions);
    }

    /// <summary>Loads the model now rather than on the first text.</summary>
    public void Load() => _ = _loaded.Value;

    /// <summary>Whether there is a cache folder and it does not keep this model's optimised graph yet (loading would save it there).</summary>
    public bool NeedsCaching => CachedGraph(_cacheFolder, Model) is { } cached && !File.Exists(cached);

    private InferenceSession Session => _loaded.Value.Session;

    private BertTokenizer WordPieces => _loaded.Value.Tokenizer;

    /// <summary>
    /// The session, from the graph an earlier process optimised when <paramref name="cacheFolder"/> holds it (neither the
    /// copy of the 90 MB resource nor the graph optimisation is paid again, and the copy's memory is not taken), else from
    /// the embedded model, saving its optimised graph there for the next process.
    /// </summary>
    private static (InferenceSession, BertTokenizer) Load(SentenceModel model, string? cacheFolder, int threads)
    {
        var tokenizer = new BertTokenizer();
        using (var vocab = new StreamReader(model.OpenResource("vocab.txt"))) tokenizer.LoadVocabulary(vocab, convertInputToLowercase: true);
        var cached = CachedGraph(cacheFolder, model);
        if (cached is not null && File.Exists(cached))
        {
            try
            {
                // Already optimised: the same graph as below, without running the optimisers again.
                using var cachedOptions = Options(GraphOptimizationLevel.ORT_DISABLE_ALL, threads);
                return (new InferenceSession(cached, cachedOptions), tokenizer);
            }
            catch (OnnxRuntimeException)
            {
                // Unreadable (a truncated copy, a full disk): made again from the embedded model below.
            }
        }

        byte[] weights;
        using (var stream = model.OpenResource("model.onnx"))
        {
            if (model.IsQuantized)
            {
                weights = Int8Quantizer.Quantize(stream).Model;
            }
            else
            {
                weights = new byte[stream.Length];
                stream.ReadExactly(weights);
            }
        }
        // Extended, not All: All adds only layout (NCHWc) rewrites, for convolutions, which BERT has none of, and a graph
        // saved with them is tied to this machine's CPU; the cached graph may be copied to another with the index.
        using var options = Options(GraphOptimizationLevel.ORT_ENABLE_EXTENDED, threads);
        if (cached is not null && TryCreateFolder(cacheFolder!))
        {
            var temp = $"{cached}.tmp-{Environment.ProcessId}";
            options.OptimizedModelFilePath = temp;
            try
            {
                var session = new InferenceSession(weights, options);
                KeepCachedGraph(temp, cached, model);
                return (session, tokenizer);
            }
            catch (OnnxRuntimeException)
            {
                // The graph could not be saved (a read-only or full disk): the session is made without saving it below.
                Delete(temp);
            }
            using var unsaved = Options(GraphOptimizationLevel.ORT_ENABLE_EXTENDED, threads);
            return (new InferenceSession(weights, unsaved), tokenizer);
        }
        return (new InferenceSession(weights, options), tokenizer);
    }

    private static SessionOptions Options(GraphOptimizationLevel level, int threads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = level,
            IntraOpNumThreads = threads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        // Idle intra-op threads sleep instead of spinning: a server runs many small query embeddings at once, and
        // spinning threads would take the cores the other requests need.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    /// <summary>
    /// The graph's path in the cache folder (none without one), named by the model, the build of the assembly that
    /// carries it and the ONNX Runtime version, so an upgrade of either is never served a graph optimised by the other. The '@' ends the model's id, so one model's clean-up never
    /// matches another whose id it begins (the int8 copy's).
    /// </summary>
    private static string? CachedGraph(string? cacheFolder, SentenceModel model) => cacheFolder is null ? null :
        Path.Combine(cacheFolder, $"{model.Id}@{model.Assembly.ManifestModule.ModuleVersionId:N}-ort{OrtEnv.Instance().GetVersionString()}.onnx");

    private static bool TryCreateFolder(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Renames the graph ORT wrote into place (a reader sees a whole file or none) and deletes the model's graphs of other
    /// versions. A cache that cannot be written costs the next process its second, nothing else.
    /// </summary>
    private static void KeepCachedGraph(string temp, string cached, SentenceModel model)
    {
        try
        {
            File.Move(temp, cached, overwrite: true);
            foreach (var old in Directory.EnumerateFiles(Path.GetDirectoryName(cached)!, model.Id + "@*.onnx").Where(f => f != cached)) File.Delete(old);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Delete(temp);
        }
    }

    private static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary file takes disk space only: loading looks for the final name alone.
        }
    }

    public SentenceModel Model { get; }

    /// <summary>Token ids of one text as the model sees it (with [CLS] and [SEP], truncated to the model's limit).</summary>
    public long[] Tokenize(string text)
    {
        var ids = new long[Model.MaxTokens];
        var mask = new long[Model.MaxTokens];
        var n = WordPieces.Encode(text, ids, mask);
        return ids[..n];
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prefix = options?.AdditionalProperties?.TryGetValue(InputTypeKey, out var type) == true && "query".Equals(type as string, StringComparison.Ordinal)
            ? Model.QueryPrefix : "";
        var texts = values.Select(v => prefix + v).ToList();
        var tokens = new long[texts.Count][];
        Parallel.For(0, texts.Count, i => tokens[i] = Tokenize(texts[i]));
        var vectors = Embed(tokens, cancellationToken);
        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = Model.Id }));
        return Task.FromResult(result);
    }

    /// <summary>Embeds token sequences (from <see cref="Tokenize"/>), in batches of similar length.</summary>
    public float[][] Embed(IReadOnlyList<long[]> tokens, CancellationToken cancellationToken = default)
    {
        var vectors = new float[tokens.Count][];
        foreach (var batch in Batches(tokens))
        {
            cancellationToken.ThrowIfCancellationRequested();
            RunBatch(tokens, batch, vectors, cancellationToken);
        }
        return vectors;
    }

    /// <summary>
    /// The batches <see cref="Embed"/> runs: indexes sorted by length, grown while the padded batch stays within the
    /// token budget (the batch's last text is its longest).
    /// </summary>
    public static List<int[]> Batches(IReadOnlyList<long[]> tokens)
    {
        var order = Enumerable.Range(0, tokens.Count).OrderBy(i => tokens[i].Length).ToArray();
        var batches = new List<int[]>();
        var start = 0;
        while (start < order.Length)
        {
            var end = start + 1;
            while (end < order.Length && end - start < MaxBatch && (end - start + 1) * tokens[order[end]].Length <= TokensPerBatch) end++;
            batches.Add(order[start..end]);
            start = end;
        }
        return batches;
    }

    /// <summary>The model's raw output for one padded batch, as <see cref="Embed"/> runs it (the benchmark's ceiling).</summary>
    public void RunRaw(IReadOnlyList<long[]> tokens, int[] batch)
    {
        var (ids, mask, types, shape) = Inputs(tokens, batch);
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var runOptions = new RunOptions();
        using var outputs = Session.Run(runOptions, InputNames, [idsValue, maskValue, typesValue], OutputNames);
    }

    /// <summary>A cancelled run ends with ONNX Runtime's "terminate flag" error; the caller is told it was cancelled.</summary>
    private IDisposableReadOnlyCollection<OrtValue> RunOrCancel(RunOptions runOptions, IReadOnlyCollection<OrtValue> inputs, CancellationToken cancellationToken)
    {
        try
        {
            return Session.Run(runOptions, InputNames, inputs, OutputNames);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private static readonly string[] OutputNames = ["last_hidden_state"];

    private static (long[] Ids, long[] Mask, long[] Types, long[] Shape) Inputs(IReadOnlyList<long[]> tokens, ReadOnlySpan<int> batch)
    {
        var rows = batch.Length;
        var width = tokens[batch[^1]].Length;
        var ids = new long[rows * width];
        var mask = new long[rows * width];
        for (var r = 0; r < rows; r++)
        {
            var t = tokens[batch[r]];
            t.CopyTo(ids.AsSpan(r * width));
            mask.AsSpan(r * width, t.Length).Fill(1);
        }
        return (ids, mask, new long[rows * width], [rows, width]);
    }

    private void RunBatch(IReadOnlyList<long[]> tokens, ReadOnlySpan<int> batch, float[][] vectors, CancellationToken cancellationToken)
    {
        var rows = batch.Length;
        var (ids, mask, types, shape) = Inputs(tokens, batch);
        var width = (int)shape[1];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        using var outputs = RunOrCancel(runOptions, [idsValue, maskValue, typesValue], cancellationToken);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        const int d = SentenceModel.Dimensions;
        for (var r = 0; r < rows; r++)
        {
            var length = tokens[batch[r]].Length;
            var vector = new float[d];
            var rowStart = r * width * d;
            if (Model.Pooling == Pooling.Cls)
            {
                hidden.Slice(rowStart, d).CopyTo(vector);
            }
            else
            {
                for (var k = 0; k < length; k++) TensorPrimitives.Add(vector, hidden.Slice(rowStart + k * d, d), vector);
            }
            var norm = TensorPrimitives.Norm(vector);
            if (norm > 0) TensorPrimitives.Divide(vector, norm, vector);
            vectors[batch[r]] = vector;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <summary>The shared session outlives any one generator (see <see cref="Sessions"/>).</summary>
    public void Dispose()
    {
    }
}
