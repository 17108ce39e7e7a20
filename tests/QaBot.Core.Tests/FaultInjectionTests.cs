using System.ClientModel;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QaBot.Answering;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Core.Tests.Infrastructure;
using QaBot.Ingestion;

namespace QaBot.Core.Tests;

/// <summary>
/// Runs alone: these tests time the resilience pipeline's timeouts, which other tests embedding on both cores delay.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimedCollection
{
    public const string Name = "Timed";
}

/// <summary>
/// Production faults of Azure OpenAI, scripted in the fake server and met by the real wiring (SDK over the
/// "AzureOpenAI" HttpClient and its standard resilience handler): throttling, server errors, stalls, broken bodies,
/// an outage that opens the circuit breaker, and an embedding outage part-way through ingestion.
/// </summary>
[Collection(TimedCollection.Name)]
public sealed class FaultInjectionTests : IAsyncLifetime
{
    private const string Resilience = "QaBot:AzureOpenAI:Resilience:";
    private const string ModelReply = "Honda's sales dropped by 24.2% [1].";

    private FakeAzureOpenAI _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAzureOpenAI.StartAsync();
        _fake.ChatReply = _ => ModelReply;
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    /// <summary>
    /// The real services against the fake. Retries are quick (10 ms base delay, so a longer wait can only come from
    /// Retry-After) and attempts time out after 1 s; <paramref name="overrides"/> adjusts per test.
    /// </summary>
    private ServiceProvider Host(params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["QaBot:Answering:Provider"] = "AzureOpenAI",
            ["QaBot:AzureOpenAI:Endpoint"] = _fake.Endpoint.ToString(),
            ["QaBot:AzureOpenAI:ApiKey"] = "test-key",
            ["QaBot:AzureOpenAI:ChatDeployment"] = "chat",
            ["QaBot:AzureOpenAI:EmbeddingDeployment"] = "embeddings",
            [Resilience + "Retry:MaxRetryAttempts"] = "2",
            [Resilience + "Retry:Delay"] = "00:00:00.010",
            [Resilience + "AttemptTimeout:Timeout"] = "00:00:01",
            [Resilience + "TotalRequestTimeout:Timeout"] = "00:00:05",
        };
        foreach (var (key, value) in overrides) settings[key] = value;
        var services = QaBotTestHost.Build(settings);
        services.GetRequiredService<IStartupValidator>().Validate();
        return services;
    }

    /// <summary>A chat-model host over seeds/, indexed with the local embedder so only chat calls reach the fake.</summary>
    private async Task<ServiceProvider> ChatHost(params (string Key, string Value)[] overrides)
    {
        var services = Host(overrides);
        await QaBotTestHost.IngestConfiguredCorpusAsync(services);
        return services;
    }

    private static async Task<(Answer Answer, TimeSpan Elapsed)> AskTimed(IServiceProvider services, string question = Seeds.HondaQuestion)
    {
        var clock = Stopwatch.StartNew();
        var answer = await services.GetRequiredService<AnswerService>().AskAsync(question);
        return (answer, clock.Elapsed);
    }

    private static void AssertModelAnswer(Answer answer)
    {
        Assert.Null(answer.Notice);
        Assert.Equal(ModelReply, answer.Text);
        Assert.Contains(Seeds.HondaFile, Assert.Single(answer.Citations).Source, StringComparison.Ordinal);
    }

    private static void AssertExtractiveFallback(Answer answer)
    {
        Assert.Equal(ChatAnswerer.ModelUnavailableNotice, answer.Notice);
        Assert.False(answer.Declined);
        Assert.Contains("24.2%", answer.Text, StringComparison.Ordinal);
        Assert.Contains(Seeds.HondaFile, answer.Citations[0].Source, StringComparison.Ordinal);
    }

    private void Script(params Fault[] faults)
    {
        foreach (var fault in faults) _fake.Script.Enqueue(fault);
    }

    [Fact]
    public async Task Throttling_is_retried_after_the_Retry_After_wait()
    {
        Script(Fault.Status(429, ("Retry-After", "1")));
        await using var services = await ChatHost();

        var (answer, _) = await AskTimed(services);

        AssertModelAnswer(answer);
        var requests = _fake.ChatRequests.ToList();
        Assert.Equal(2, requests.Count);
        // The base retry delay is 10 ms: a wait of about a second is the Retry-After header honoured.
        var wait = Stopwatch.GetElapsedTime(requests[0].ReceivedAt, requests[1].ReceivedAt);
        Assert.True(wait >= TimeSpan.FromMilliseconds(950), $"retried after {wait}");
    }

    [Fact]
    public async Task Server_errors_are_retried_until_the_model_answers()
    {
        Script(Fault.Status(500), Fault.Status(503));
        await using var services = await ChatHost();

        var (answer, _) = await AskTimed(services);

        AssertModelAnswer(answer);
        Assert.Equal(3, _fake.ChatRequests.Count());
    }

    [Fact]
    public async Task A_dropped_connection_is_retried()
    {
        Script(Fault.Abort);
        await using var services = await ChatHost();

        var (answer, _) = await AskTimed(services);

        AssertModelAnswer(answer);
        Assert.Equal(2, _fake.ChatRequests.Count());
    }

    [Fact]
    public async Task A_stalled_attempt_times_out_and_the_retry_answers()
    {
        Script(Fault.Stall);
        await using var services = await ChatHost();

        var (answer, elapsed) = await AskTimed(services);

        AssertModelAnswer(answer);
        Assert.Equal(2, _fake.ChatRequests.Count());
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task When_every_attempt_stalls_the_total_timeout_ends_in_the_extractive_answer()
    {
        _fake.Otherwise = Fault.Stall;
        // Retries alone would allow 6 attempts of 1 s; the 2.5 s total timeout cuts them short.
        await using var services = await ChatHost((Resilience + "Retry:MaxRetryAttempts", "5"), (Resilience + "TotalRequestTimeout:Timeout", "00:00:02.500"));

        var (answer, elapsed) = await AskTimed(services);

        AssertExtractiveFallback(answer);
        // Cut short of the 6 attempts retries allow; that a stalled attempt is retried at all is tested above.
        Assert.InRange(_fake.ChatRequests.Count(), 1, 3);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(2.4), TimeSpan.FromSeconds(4.5));
    }

    [Fact]
    public async Task A_body_that_stalls_after_the_headers_is_cut_by_the_attempt_timeout_and_retried()
    {
        Script(Fault.StalledBody);
        await using var services = await ChatHost();

        // Bounded, so the bug fails the test instead of hanging it.
        var (answer, elapsed) = await AskTimed(services).WaitAsync(TimeSpan.FromSeconds(10));

        AssertModelAnswer(answer);
        Assert.Equal(2, _fake.ChatRequests.Count());
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
    }

    public static TheoryData<string> BrokenBodies => ["truncated JSON", "cut-off body", "malformed JSON"];

    [Theory]
    [MemberData(nameof(BrokenBodies))]
    public async Task A_broken_200_body_gives_the_extractive_answer_with_the_notice(string fault)
    {
        _fake.Otherwise = new[] { Fault.TruncatedJson, Fault.CutOff, Fault.MalformedJson }.Single(f => f.ToString() == fault);
        await using var services = await ChatHost();

        var (answer, _) = await AskTimed(services);

        AssertExtractiveFallback(answer);
        Assert.NotEmpty(_fake.ChatRequests);
    }

    [Fact]
    public async Task An_outage_opens_the_circuit_so_later_questions_fall_back_without_calling_the_model()
    {
        var breakDuration = TimeSpan.FromSeconds(2);
        _fake.Otherwise = Fault.Status(500);
        await using var services = await ChatHost(
            (Resilience + "CircuitBreaker:MinimumThroughput", "2"),
            (Resilience + "CircuitBreaker:FailureRatio", "0.5"),
            (Resilience + "CircuitBreaker:SamplingDuration", "00:00:05"),
            (Resilience + "CircuitBreaker:BreakDuration", "00:00:02"));

        // Two failed attempts of the first question open the circuit.
        var (first, _) = await AskTimed(services);
        var opened = Stopwatch.StartNew();
        AssertExtractiveFallback(first);
        var calls = _fake.ChatRequests.Count();
        Assert.InRange(calls, 2, 3);

        // While it is open, questions are answered from the articles without a call, and stay grounded.
        string[] questions = [Seeds.HondaQuestion, "Why did Nissan cut production at its largest factory?", "What is the melting point of gold?"];
        foreach (var question in questions)
        {
            var (answer, elapsed) = await AskTimed(services, question);
            Assert.True(answer.Declined || (answer.Citations.Count > 0 && answer.Notice == ChatAnswerer.ModelUnavailableNotice), $"ungrounded answer to \"{question}\": {answer.Text}");
            Assert.True(elapsed < TimeSpan.FromSeconds(1), $"\"{question}\" took {elapsed}");
        }
        Assert.Equal(calls, _fake.ChatRequests.Count());
        Assert.True(opened.Elapsed < breakDuration, $"the open-circuit questions took {opened.Elapsed}, past the break; lengthen BreakDuration");

        // Once the model is back and the break is over, the next question is the half-open probe and gets the model's answer.
        _fake.Otherwise = null;
        await Task.Delay(breakDuration - opened.Elapsed + TimeSpan.FromMilliseconds(100));
        var (recovered, _) = await AskTimed(services);
        AssertModelAnswer(recovered);
        Assert.Equal(calls + 1, _fake.ChatRequests.Count());
    }

    [Fact]
    public async Task An_embedding_endpoint_down_from_the_start_leaves_the_stored_index_of_the_local_model_alone()
    {
        var folder = Directory.CreateTempSubdirectory("qabot-switch-");
        try
        {
            (string, string)[] persisted = [("QaBot:Answering:Provider", "Local"), ("QaBot:Index:Persist", "true"), ("QaBot:Index:Path", Path.Combine(folder.FullName, "index"))];
            await using (var local = Host(persisted)) Assert.Equal(2, (await QaBotTestHost.IngestConfiguredCorpusAsync(local)).Embedded);

            _fake.Otherwise = Fault.Status(500);
            await using (var remote = Host([.. persisted, ("QaBot:Embedding:Provider", "AzureOpenAI"), ("QaBot:Embedding:Dimensions", "64")]))
                await Assert.ThrowsAsync<IngestionException>(() => QaBotTestHost.IngestConfiguredCorpusAsync(remote));

            // Back on the local model, nothing is embedded again.
            await using var again = Host(persisted);
            Assert.Equal(0, (await QaBotTestHost.IngestConfiguredCorpusAsync(again)).Embedded);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task An_embedding_outage_keeps_the_finished_articles_and_the_next_run_embeds_only_the_rest()
    {
        const int batchSize = 8;
        await using var services = Host(
            ("QaBot:Answering:Provider", "Local"),
            ("QaBot:Embedding:Provider", "AzureOpenAI"),
            ("QaBot:Embedding:Dimensions", "64"),
            ("QaBot:Ingestion:EmbeddingBatchSize", batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (Resilience + "Retry:MaxRetryAttempts", "1"));
        var roots = services.GetRequiredService<IOptions<CorpusOptions>>().Value.Paths;
        // What the pipeline embeds for each article, in order: its title, then each distinct sentence once.
        var documents = await services.GetRequiredService<DocumentLoader>().LoadAsync(roots);
        var texts = documents.Select(d => services.GetRequiredService<Chunker>().Split(d).SelectMany(c => c.Sentences())
            .Distinct(StringComparer.Ordinal).Prepend(d.Title).ToList()).ToList();
        Assert.True(texts.Count >= 2 && texts[0].Count > batchSize, "seeds/ must give two articles, the first longer than a batch");
        // Enough good calls to finish the first article; the call that fails holds the second article's texts.
        var goodBatches = (texts[0].Count + batchSize - 1) / batchSize;
        Assert.True(goodBatches * batchSize < texts[0].Count + texts[1].Count);

        Script(Enumerable.Repeat(Fault.None, goodBatches).ToArray());
        _fake.Otherwise = Fault.Status(500);
        var pipeline = services.GetRequiredService<IngestionPipeline>();

        var error = await Assert.ThrowsAsync<IngestionException>(() => pipeline.IngestAsync(roots));
        Assert.Equal(500, Assert.IsType<ClientResultException>(error.InnerException).Status);
        Assert.Contains("Injected fault.", error.Message, StringComparison.Ordinal);
        // The message says where it stopped and that a rerun resumes.
        Assert.Contains("The 1 articles before it are stored", error.Message, StringComparison.Ordinal);
        Assert.Equal(goodBatches + 2, _fake.EmbeddingRequests.Count()); // the good calls, then the failing one and its retry

        // The service recovers: the rerun pays only for the article that was never finished.
        _fake.Otherwise = null;
        var before = _fake.EmbeddedTexts().Count;
        var report = await pipeline.IngestAsync(roots);

        Assert.Equal((2, 1), (report.Documents, report.Embedded));
        Assert.Equal(texts.Skip(1).SelectMany(t => t), _fake.EmbeddedTexts().Skip(before));
    }
}
