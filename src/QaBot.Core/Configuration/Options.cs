using System.ComponentModel.DataAnnotations;

namespace QaBot.Configuration;

// Every setting lives in appsettings.json under "QaBot"; environment variables override (QaBot__Chunking__MaxChars).

public sealed class CorpusOptions : IValidatableObject
{
    public const string Section = "QaBot:Corpus";

    /// <summary>Folders (or files) indexed at start-up when no --docs is given.</summary>
    /// <remarks>No default in code: the binder appends to a list initialiser, so the default lives in appsettings.json.</remarks>
    [Required, MinLength(1, ErrorMessage = "QaBot:Corpus:Paths must name at least one folder of articles.")]
    public List<string> Paths { get; set; } = [];

    /// <summary>A blank entry would index the working folder (the program's own files), not a corpus.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Paths.Select((path, i) => (path, i)).Where(p => string.IsNullOrWhiteSpace(p.path))
            .Select(p => new ValidationResult($"{Section}:Paths:{p.i} is empty; name a folder of articles.", [nameof(Paths)]));
}

public sealed class IngestionOptions
{
    public const string Section = "QaBot:Ingestion";

    /// <summary>File names skipped inside document folders (simple wildcards), e.g. a corpus's own README.</summary>
    public List<string> ExcludeFilePatterns { get; set; } = [];

    /// <summary>Passages per embedding request; large enough to amortise a remote call, small enough to retry cheaply.</summary>
    [Range(1, 2048)]
    public int EmbeddingBatchSize { get; set; } = 256;

    /// <summary>
    /// Files larger than this are skipped with a warning: indexing holds several times a file's size in memory, and no
    /// article is this long.
    /// </summary>
    [Range(1, 1024)]
    public int MaxFileMegabytes { get; set; } = 10;

    /// <summary>
    /// Reading one file (parsing included) for longer than this skips it with a warning: markup can be built so that
    /// a parser's time grows with the square of its size, and one file must not hold up the rest of the corpus. A
    /// 10 MB article reads in well under a second.
    /// </summary>
    [Range(1, 3600)]
    public int MaxReadSeconds { get; set; } = 30;
}

public sealed class IndexOptions : IValidatableObject
{
    public const string Section = "QaBot:Index";

    /// <summary>
    /// Where the persistent index is kept: one sub-folder per set of corpus folders, so switching corpora does not
    /// throw away the other's embeddings. Relative paths are taken from the working folder.
    /// </summary>
    [Required]
    public string Path { get; set; } = ".qabot/index";

    /// <summary>Off: nothing is read from or written to disk (every start embeds the corpus again).</summary>
    public bool Persist { get; set; } = true;

    /// <summary>
    /// On: the server is a replica. It reads the index that <c>qabot ingest</c> wrote (found, as there, by the names of
    /// QaBot:Corpus:Paths) and never reads the corpus or writes; it swaps to a newer index when one is written. A flag
    /// rather than a mode: it says only that this process must not write, which is what replicas sharing a folder need.
    /// </summary>
    public bool ReadOnly { get; set; }

    /// <summary>How often a replica looks for a newer index besides file-change events, which network file systems drop.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ReadOnly && !Persist) yield return new ValidationResult($"{Section}:ReadOnly needs {Section}:Persist: a replica loads the stored index.", [nameof(ReadOnly)]);
    }
}

public sealed class ChunkingOptions : IValidatableObject
{
    public const string Section = "QaBot:Chunking";

    [Range(100, 8000)]
    public int MaxChars { get; set; } = 500;

    /// <summary>A passage may end at a paragraph end once it is at least this long.</summary>
    [Range(0, 8000)]
    public int MinChars { get; set; } = 200;

    [Range(0, 5)]
    public int OverlapSentences { get; set; } = 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinChars > MaxChars) yield return new ValidationResult($"{Section}:MinChars ({MinChars}) must not exceed {Section}:MaxChars ({MaxChars}).", [nameof(MinChars)]);
    }
}

public enum ModelProvider
{
    /// <summary>Runs on this machine with no key or network: an embedded ONNX sentence model, the extractive answerer.</summary>
    Local,

    AzureOpenAI,
}

/// <summary>What the int8 copy of the local embedding model embeds.</summary>
public enum QuantizedTexts
{
    /// <summary>Nothing: the float model embeds everything.</summary>
    None,

    /// <summary>Questions; passages keep the float model.</summary>
    Questions,

    /// <summary>Questions and passages (an index of its own: the model's id differs).</summary>
    All,
}

public sealed class EmbeddingOptions
{
    public const string Section = "QaBot:Embedding";

    public ModelProvider Provider { get; set; } = ModelProvider.Local;

    /// <summary>The offline model (<c>MiniLM</c> or <c>ArcticXs</c>), chosen by measurement on the development sets.</summary>
    [RegularExpression("(?i)^(MiniLM|ArcticXs|all-MiniLM-L6-v2|snowflake-arctic-embed-xs)$", ErrorMessage = "QaBot:Embedding:LocalModel must be MiniLM or ArcticXs.")]
    public string LocalModel { get; set; } = "MiniLM";

    /// <summary>Vector size of the Azure OpenAI embedding model (the local models have their own, 384).</summary>
    [Range(64, 4096)]
    public int Dimensions { get; set; } = 1536;

    /// <summary>
    /// Which texts the int8 copy of the local model embeds (<see cref="Embedding.Int8Quantizer"/>): on this machine's
    /// CPUs it runs a question in about a third of the time, and its vectors keep a cosine of ~0.99 to the float ones.
    /// </summary>
    public QuantizedTexts Quantized { get; set; } = QuantizedTexts.Questions;

    public int EffectiveDimensions => Provider == ModelProvider.Local ? Embedding.SentenceModel.Dimensions : Dimensions;
}

public sealed class RetrievalOptions
{
    public const string Section = "QaBot:Retrieval";

    /// <summary>Passages handed to the answerer.</summary>
    [Range(1, 50)]
    public int TopK { get; set; } = 8;

    /// <summary>
    /// How deep each ranking looks before fusion: passages by keywords and by vector, sentences by vector. On the
    /// development sets' check halves (docs/answer-quality.md) 30 and 50 ranked worse, 70 to 150 alike.
    /// </summary>
    [Range(1, 1000)]
    public int CandidatePool { get; set; } = 70;

    /// <summary>
    /// The sentence ranking searches the articles of the keyword and passage-vector rankings' top this many passages
    /// each: 70 gave the same answers as 50 for 1.1× the answer time, 30 lost a citation.
    /// </summary>
    [Range(1, 1000)]
    public int SentenceReach { get; set; } = 50;

    [Range(1, 1000)]
    public int RrfK { get; set; } = 60;

    [Range(0.0, 10.0)]
    public double KeywordWeight { get; set; } = 1.0;

    [Range(0.0, 10.0)]
    public double VectorWeight { get; set; } = 0.7;

    /// <summary>
    /// Weight of the passages ranked by their closest sentence (0: not searched), beside the passage vectors: it finds
    /// the long passage with one sentence on the question.
    /// </summary>
    [Range(0.0, 10.0)]
    public double SentenceWeight { get; set; } = 0.35;

    /// <summary>Extra weight for passages of the articles the conversation is already about.</summary>
    [Range(0.0, 10.0)]
    public double FocusBoost { get; set; } = 0.5;

    [Range(0.1, 5.0)]
    public double Bm25K1 { get; set; } = 1.2;

    [Range(0.0, 1.0)]
    public double Bm25B { get; set; } = 0.75;
}

public sealed class AnsweringOptions
{
    public const string Section = "QaBot:Answering";

    public ModelProvider Provider { get; set; } = ModelProvider.Local;

    [Range(40, 2000)]
    public int MaxAnswerChars { get; set; } = 300;

    /// <summary>Longer questions are refused with a clear message instead of being sent to retrieval and the model.</summary>
    [Range(10, 20_000)]
    public int MaxQuestionChars { get; set; } = 1000;

    /// <summary>The answerer's fitted weights and decline threshold (written by <c>qabot calibrate</c>).</summary>
    [Required]
    public string WeightsPath { get; set; } = "calibration/answerer.json";

    /// <summary>Folder of prompt templates (system.md, answer.md, rewrite.md).</summary>
    [Required]
    public string PromptsPath { get; set; } = "prompts";

    /// <summary>Passages sent to the chat model.</summary>
    [Range(1, 20)]
    public int MaxPassages { get; set; } = 6;
}

public sealed class ConversationOptions
{
    public const string Section = "QaBot:Conversations";

    [Range(1, 100)]
    public int MaxTurns { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan Expiration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Memory the conversation histories may take, in megabytes (each entry is sized by its text), so the store stays
    /// bounded however many conversations come and go; the least recently used are dropped first.
    /// </summary>
    [Range(1, 64_000)]
    public int MaxMemoryMegabytes { get; set; } = 32;
}

public sealed class AzureOpenAIOptions
{
    public const string Section = "QaBot:AzureOpenAI";

    public Uri? Endpoint { get; set; }

    public string? ApiKey { get; set; }

    public string? ChatDeployment { get; set; }

    public string? EmbeddingDeployment { get; set; }
}

public sealed class RateLimitOptions
{
    public const string Section = "QaBot:RateLimits";

    /// <summary>HTTP requests one client address may send per second to the server, on any endpoint (flood protection).</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerClientPerSecond { get; set; } = 1000;

    /// <summary>Questions a conversation may ask per minute (token bucket: bursts up to this many, refilled evenly).</summary>
    [Range(1, 100_000)]
    public int QuestionsPerConversationPerMinute { get; set; } = 30;

    /// <summary>Questions one user may ask per minute across all their conversations.</summary>
    [Range(1, 100_000)]
    public int QuestionsPerUserPerMinute { get; set; } = 60;
}
