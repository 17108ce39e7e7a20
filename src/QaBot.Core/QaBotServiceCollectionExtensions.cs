using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using QaBot.Answering;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Conversations;
using QaBot.Embedding;
using QaBot.Feedback;
using QaBot.Ingestion;
using QaBot.Retrieval;
using QaBot.State;
using QaBot.Suggestions;
using QaBot.Turns;
using QaBot.VectorStore;

namespace QaBot;

public static class QaBotServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="HttpClient"/> (with its resilience pipeline) that carries Azure OpenAI calls.</summary>
    public const string AzureOpenAIHttpClient = "AzureOpenAI";

    /// <summary>Under <c>QaBot:AzureOpenAI</c>: the HTTP resilience pipeline's settings (<c>HttpStandardResilienceOptions</c>).</summary>
    private const string ResilienceSection = "Resilience";

    /// <summary>Question embeddings kept for the answerer and repeated questions (about 2 KB each).</summary>
    private const long QueryCacheBytes = 8L << 20;

    /// <summary>
    /// Wires the whole pipeline from configuration: the one place that decides between the offline default and
    /// Azure OpenAI. Every option is validated when the host starts, naming the offending key.
    /// </summary>
    public static IServiceCollection AddQaBot(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddQaBotOptions<CorpusOptions>(configuration, CorpusOptions.Section);
        services.AddQaBotOptions<IngestionOptions>(configuration, IngestionOptions.Section);
        services.AddQaBotOptions<ChunkingOptions>(configuration, ChunkingOptions.Section);
        services.AddQaBotOptions<IndexOptions>(configuration, IndexOptions.Section);
        services.AddQaBotOptions<EmbeddingOptions>(configuration, EmbeddingOptions.Section);
        services.AddQaBotOptions<RetrievalOptions>(configuration, RetrievalOptions.Section);
        services.AddQaBotOptions<AnsweringOptions>(configuration, AnsweringOptions.Section);
        services.AddQaBotOptions<ConversationOptions>(configuration, ConversationOptions.Section);
        services.AddQaBotOptions<AzureOpenAIOptions>(configuration, AzureOpenAIOptions.Section,
            new Dictionary<string, Type> { [ResilienceSection] = typeof(Microsoft.Extensions.Http.Resilience.HttpStandardResilienceOptions) });
        services.AddQaBotOptions<RateLimitOptions>(configuration, RateLimitOptions.Section);
        services.AddQaBotOptions<TurnOptions>(configuration, TurnOptions.Section);
        services.AddQaBotOptions<StateOptions>(configuration, StateOptions.Section);
        services.AddSingleton<IValidateOptions<AzureOpenAIOptions>, AzureOpenAIOptionsValidator>();
        services.AddOptions<UnknownSettings.RootSection>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<UnknownSettings.RootSection>>(new UnknownSettings.RootValidator(configuration));
        services.AddSingleton<IValidateOptions<AnsweringOptions>, AnswerModelValidator>();

        services.TryAddSingleton(TimeProvider.System);
        // Every HTTP call through a resilience pipeline logs an "Execution attempt": Debug, or it floods the log under load.
        // A failed attempt is said by the retry's warning ("OnRetry"), and the last one by the caller that gives up.
        services.Configure<Polly.Telemetry.TelemetryOptions>(o => o.SeverityProvider = args =>
            args.Event.EventName == "ExecutionAttempt" ? Polly.Telemetry.ResilienceEventSeverity.Debug : args.Event.Severity);

        // Ingestion and chunking
        services.AddSingleton<IDocumentReader, PlainTextReader>();
        services.AddSingleton<IDocumentReader, MarkdownReader>();
        services.AddSingleton<IDocumentReader, HtmlReader>();
        services.AddSingleton<IDocumentReader, PdfReader>();
        services.AddSingleton<IDocumentReader, DocxReader>();
        services.AddSingleton<DocumentLoader>();
        services.AddSingleton<Chunker>();
        services.AddSingleton<DocumentCatalog>();
        services.AddSingleton<IngestionPipeline>();
        services.AddSingleton<IndexStatus>();

        // Embedding and vector store
        // Per-attempt timeout, retries with jitter on 408/429/5xx honouring Retry-After, circuit breaker; tunable under
        // QaBot:AzureOpenAI:Resilience (HttpStandardResilienceOptions).
        // (Bound through the delegate overload: the section overload rejects an absent section.)
        services.AddHttpClient(AzureOpenAIHttpClient)
            .AddStandardResilienceHandler(o => configuration.GetSection($"{AzureOpenAIOptions.Section}:{ResilienceSection}").Bind(o)).Services
            .AddHttpClient(AzureOpenAIHttpClient)
            .AddHttpMessageHandler(() => new ResponseBufferingHandler());
        services.AddSingleton(sp => CreateAzureClient(sp));
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
            sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value.Provider == ModelProvider.AzureOpenAI
                ? sp.GetRequiredService<AzureOpenAIClient>()
                    .GetEmbeddingClient(sp.GetRequiredService<IOptions<AzureOpenAIOptions>>().Value.EmbeddingDeployment)
                    .AsIEmbeddingGenerator(sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value.Dimensions)
                : new OnnxEmbeddingGenerator(LocalModel(sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value, QuantizedTexts.All), ModelCacheFolder(sp)));
        services.AddKeyedSingleton(OnnxEmbeddingGenerator.QueryKey, (sp, _) => QuestionModel(sp)
            .AsBuilder()
            .UseDistributedCache(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { SizeLimit = QueryCacheBytes })))
            .Use(inner => new CoalescingEmbeddingGenerator(inner))
            .Build(sp));
        // The index in memory, one generation at a time (a hosted vector store would be created here instead).
        services.AddSingleton(sp =>
        {
            var retrieval = sp.GetRequiredService<IOptions<RetrievalOptions>>();
            var dimensions = sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value.EffectiveDimensions;
            return new IndexSnapshots(IndexSnapshot.Create(retrieval, dimensions), () => IndexSnapshot.Create(retrieval, dimensions));
        });
        services.AddSingleton<IndexStore>();

        // Retrieval
        services.AddSingleton<HybridRetriever>();

        // Answering and conversations
        services.AddSingleton<PromptLibrary>();
        services.AddSingleton(sp => AnswerModel.Load(PathResolver.Resolve(sp.GetRequiredService<IOptions<AnsweringOptions>>().Value.WeightsPath)));
        services.AddSingleton<AnswerCandidates>();
        services.AddSingleton<ExtractiveAnswerer>();
        services.AddQaBotState();
        services.AddSingleton<InMemoryConversationStore>();
        services.AddSingleton<IConversationStore>(sp => sp.Choose<IConversationStore, InMemoryConversationStore, RedisConversationStore>());
        services.AddSingleton<IChatClient>(sp => new ChatClientBuilder(sp.GetRequiredService<AzureOpenAIClient>()
                .GetChatClient(sp.GetRequiredService<IOptions<AzureOpenAIOptions>>().Value.ChatDeployment)
                .AsIChatClient())
            .UseOpenTelemetry(sourceName: "QaBot.ChatModel")
            .Build(sp));
        services.AddSingleton<IAnswerer>(sp => UsesChatModel(sp)
            ? ActivatorUtilities.CreateInstance<ChatAnswerer>(sp)
            : sp.GetRequiredService<ExtractiveAnswerer>());
        services.AddSingleton<IFollowUpRewriter>(sp => UsesChatModel(sp)
            ? ActivatorUtilities.CreateInstance<ChatFollowUpRewriter>(sp)
            : new HeuristicFollowUpRewriter());
        services.AddSingleton<QuestionRateLimiter>();
        services.AddSingleton<AnswerService>();
        services.AddSingleton<TurnRunner>();
        services.AddSingleton<SuggestedQuestions>();
        services.AddSingleton<Evaluation.Evaluator>();
        services.AddQaBotFeedback(configuration);
        return services;
    }

    /// <summary>
    /// For servers: index <see cref="CorpusOptions.Paths"/> in the background at start-up (see <see cref="IndexStatus"/>);
    /// or, with <see cref="IndexOptions.ReadOnly"/>, load the index <c>qabot ingest</c> wrote and follow its updates.
    /// The turn runner is a hosted service too, so a stopping server answers the turns it accepted.
    /// </summary>
    public static IServiceCollection AddQaBotStartupIngestion(this IServiceCollection services)
    {
        services.AddSingleton<IndexReplica>();
        // One or the other, decided when the host starts (AddHostedService cannot register a factory of two types).
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(sp => sp.GetRequiredService<IOptions<IndexOptions>>().Value.ReadOnly
            ? sp.GetRequiredService<IndexReplica>()
            : ActivatorUtilities.CreateInstance<StartupIngestion>(sp));
        services.AddHostedService(sp => sp.GetRequiredService<TurnRunner>());
        return services;
    }

    /// <summary>
    /// Beside the index (<c>.qabot/models</c>) when the index is kept on disk; none for a replica, which must not write.
    /// </summary>
    private static string? ModelCacheFolder(IServiceProvider sp)
    {
        var index = sp.GetRequiredService<IOptions<IndexOptions>>().Value;
        return index.Persist && !index.ReadOnly
            ? Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(index.Path)) ?? "", "models")
            : null;
    }

    private static bool UsesChatModel(IServiceProvider sp) =>
        sp.GetRequiredService<IOptions<AnsweringOptions>>().Value.Provider == ModelProvider.AzureOpenAI;

    /// <summary>The model that embeds questions: the passages' own, or its int8 copy (<see cref="EmbeddingOptions.Quantized"/>).</summary>
    private static IEmbeddingGenerator<string, Embedding<float>> QuestionModel(IServiceProvider sp)
    {
        var o = sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value;
        return o.Provider == ModelProvider.Local && o.Quantized == QuantizedTexts.Questions
            ? new OnnxEmbeddingGenerator(LocalModel(o, QuantizedTexts.Questions), ModelCacheFolder(sp), threads: 1)
            : sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
    }

    /// <summary>The configured local model, quantized when <see cref="EmbeddingOptions.Quantized"/> is <paramref name="quantizedWhen"/>.</summary>
    private static SentenceModel LocalModel(EmbeddingOptions o, QuantizedTexts quantizedWhen) =>
        o.Quantized == quantizedWhen ? SentenceModel.Named(o.LocalModel).Quantized() : SentenceModel.Named(o.LocalModel);

    private static AzureOpenAIClient CreateAzureClient(IServiceProvider sp)
    {
        var o = sp.GetRequiredService<IOptions<AzureOpenAIOptions>>().Value;
        var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(AzureOpenAIHttpClient);
        // Retries, timeouts and the circuit breaker live in the HttpClient's resilience pipeline; the SDK's own retry is off
        // so a failing call is not retried twice over.
        var clientOptions = new AzureOpenAIClientOptions { Transport = new HttpClientPipelineTransport(http), RetryPolicy = new ClientRetryPolicy(0) };
        return string.IsNullOrWhiteSpace(o.ApiKey)
            // No key: Entra ID sign-in with the host's TokenCredential if it registered one, else whatever
            // DefaultAzureCredential finds (managed identity, workload identity, environment, a developer's sign-in).
            ? new AzureOpenAIClient(o.Endpoint, sp.GetService<TokenCredential>() ?? new DefaultAzureCredential(), clientOptions)
            : new AzureOpenAIClient(o.Endpoint, new ApiKeyCredential(o.ApiKey), clientOptions);
    }

    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/>, checked at start-up by its data annotations with
    /// messages that name the full key (<see cref="SectionValidator{T}"/>), and for keys it has no setting for
    /// (<see cref="UnknownSettings"/>); a list given one value is that one item (<see cref="OneValueLists"/>). Every
    /// section of the host is registered so.
    /// </summary>
    /// <param name="subsections">Subsections of <paramref name="section"/> that are bound elsewhere, with the type they bind to.</param>
    public static IServiceCollection AddQaBotOptions<T>(this IServiceCollection services, IConfiguration configuration, string section,
        IReadOnlyDictionary<string, Type>? subsections = null)
        where T : class
    {
        CheckSectionName(section);
        services.AddOptions<T>().Bind(configuration.GetSection(section)).PostConfigure(o => OneValueLists.Apply(o, configuration.GetSection(section))).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        services.AddSingleton<IValidateOptions<T>>(new UnknownSettings.Validator<T>(configuration, section, subsections));
        return services;
    }

    /// <summary>A new section must join <see cref="UnknownSettings.Sections"/>, or every host would refuse its settings.</summary>
    private static void CheckSectionName(string section)
    {
        if (!UnknownSettings.Sections.Any(s => section == "QaBot:" + s))
            throw new ArgumentException($"'{section}' is not one of UnknownSettings.Sections.", nameof(section));
    }
}
