using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QaBot.Answering;
using QaBot.Conversations;
using QaBot.Core.Tests.Infrastructure;
using QaBot.Retrieval;
using QaBot.VectorStore;

namespace QaBot.Core.Tests;

/// <summary>
/// The Azure OpenAI paths through the real DI wiring and SDK, against a fake Azure OpenAI HTTP server on 127.0.0.1:
/// what is sent (route, api-version, api-key, prompts, passages) and what is made of the reply.
/// </summary>
public sealed class AzureOpenAITests : IAsyncLifetime
{
    private const string ApiKey = "test-key-5b1d";
    private const string ChatDeployment = "gpt-4o-mini-qabot";
    private const string EmbeddingDeployment = "text-embedding-qabot";

    private FakeAzureOpenAI _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeAzureOpenAI.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    /// <param name="signIn">No API key: sign in with Entra ID at the fake's token endpoint, over the https names it reroutes.</param>
    private async Task<ServiceProvider> Host(Dictionary<string, string?> settings, bool signIn = false)
    {
        settings["QaBot:AzureOpenAI:Endpoint"] = (signIn ? FakeAzureOpenAI.HttpsEndpoint : _fake.Endpoint).ToString();
        if (!signIn) settings["QaBot:AzureOpenAI:ApiKey"] = ApiKey;
        settings["QaBot:AzureOpenAI:ChatDeployment"] = ChatDeployment;
        settings["QaBot:AzureOpenAI:EmbeddingDeployment"] = EmbeddingDeployment;
        // Quick retries, so the failure test stays fast while still going through the retry pipeline.
        settings["QaBot:AzureOpenAI:Resilience:Retry:MaxRetryAttempts"] = "2";
        settings["QaBot:AzureOpenAI:Resilience:Retry:Delay"] = "00:00:00.010";
        var services = QaBotTestHost.Build(settings, signIn ? SignIn : null);
        services.GetRequiredService<IStartupValidator>().Validate();
        await QaBotTestHost.IngestConfiguredCorpusAsync(services);
        return services;
    }

    private void SignIn(IServiceCollection services)
    {
        services.AddHttpClient(QaBotServiceCollectionExtensions.AzureOpenAIHttpClient).AddHttpMessageHandler(_fake.Reroute);
        var reroute = _fake.Reroute();
        reroute.InnerHandler = new SocketsHttpHandler();
        var signInHttp = new HttpClient(reroute);
        services.AddSingleton<TokenCredential>(new ClientSecretCredential("tenant-1", "client-1", "client-secret-1", new ClientSecretCredentialOptions
        {
            AuthorityHost = FakeAzureOpenAI.AuthorityHost,
            DisableInstanceDiscovery = true,
            Transport = new HttpClientTransport(signInHttp),
        }));
    }

    private Task<ServiceProvider> ChatHost() => Host(new() { ["QaBot:Answering:Provider"] = "AzureOpenAI" });

    private static bool IsRewrite(RecordedRequest r) =>
        RecordedRequest.Text(r.Json["messages"]!.AsArray()[^1]!["content"]).Contains("Latest message:", StringComparison.Ordinal);

    [Fact]
    public async Task Chat_answer_sends_the_prompts_and_passages_and_maps_the_citations()
    {
        _fake.ChatReply = _ => "Honda's sales dropped by 24.2% [1]. Japan's carmakers are under pressure [7].";
        await using var services = await ChatHost();
        Assert.IsType<ChatAnswerer>(services.GetRequiredService<IAnswerer>());

        var answer = await services.GetRequiredService<AnswerService>().AskAsync(Seeds.HondaQuestion);

        var request = Assert.Single(_fake.ChatRequests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/openai/deployments/{ChatDeployment}/chat/completions", request.Path);
        Assert.False(string.IsNullOrEmpty(request.Query.GetValueOrDefault("api-version")), "no api-version in the query");
        Assert.Equal(ApiKey, request.ApiKey);

        var messages = request.Json["messages"]!.AsArray();
        Assert.Equal(2, messages.Count);
        Assert.Equal("system", messages[0]!["role"]!.GetValue<string>());
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryPaths.Prompts, "system.md")), RecordedRequest.Text(messages[0]!["content"]));
        Assert.Equal("user", messages[1]!["role"]!.GetValue<string>());
        var user = RecordedRequest.Text(messages[1]!["content"]);
        Assert.Contains("<passage id=\"1\" title=\"", user, StringComparison.Ordinal);
        Assert.Contains("<passage id=\"2\"", user, StringComparison.Ordinal);
        Assert.DoesNotContain("<passage id=\"7\"", user, StringComparison.Ordinal);
        Assert.Contains("Question: " + Seeds.HondaQuestion, user, StringComparison.Ordinal);
        Assert.Contains("24.2%", user, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", user, StringComparison.Ordinal);
        Assert.Equal(0, request.Json["temperature"]!.GetValue<double>());

        // [1] is kept and mapped to the first passage sent; [7] named no passage and is dropped.
        Assert.False(answer.Declined);
        Assert.Null(answer.Notice);
        Assert.Equal("Honda's sales dropped by 24.2% [1]. Japan's carmakers are under pressure.", answer.Text);
        var citation = Assert.Single(answer.Citations);
        var first = answer.Passages[0].Chunk;
        Assert.Equal(1, citation.Index);
        Assert.Equal(first.Title, citation.Title);
        Assert.Equal(first.SourcePath, citation.Source);
        Assert.Equal(first.Id, citation.PassageId);
        Assert.Contains($"<passage id=\"1\" title=\"{first.Title}\"", user, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Citations_are_renumbered_in_order_of_use()
    {
        _fake.ChatReply = _ => "Toyota rose 6.8% [3], while Honda fell 24.2% [1][3].";
        await using var services = await ChatHost();
        var answer = await services.GetRequiredService<AnswerService>().AskAsync(Seeds.HondaQuestion);

        Assert.Equal("Toyota rose 6.8% [1], while Honda fell 24.2% [2][1].", answer.Text);
        Assert.Equal([answer.Passages[2].Chunk.Id, answer.Passages[0].Chunk.Id], answer.Citations.Select(c => c.PassageId));
        Assert.Equal([1, 2], answer.Citations.Select(c => c.Index));
    }

    [Fact]
    public async Task The_models_decline_is_passed_on()
    {
        _fake.ChatReply = _ => "I couldn't find that in the articles.";
        await using var services = await ChatHost();
        var answer = await services.GetRequiredService<AnswerService>().AskAsync("What is the melting point of gold?");

        Assert.True(answer.Declined);
        Assert.Equal(Answer.DeclineText, answer.Text);
        Assert.Empty(answer.Citations);
    }

    [Fact]
    public async Task A_reply_that_cites_nothing_falls_back_to_the_extract_with_a_notice()
    {
        _fake.ChatReply = _ => "Honda did badly [9].";
        await using var services = await ChatHost();
        var answer = await services.GetRequiredService<AnswerService>().AskAsync(Seeds.HondaQuestion);

        Assert.Equal(ChatAnswerer.UngroundedNotice, answer.Notice);
        Assert.Contains("24.2%", answer.Text, StringComparison.Ordinal);
        Assert.Contains(Seeds.HondaFile, answer.Citations[0].Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_model_is_retried_then_the_extractive_answer_is_given_with_a_notice()
    {
        _fake.ChatReply = _ => null; // HTTP 500, every time
        await using var services = await ChatHost();
        var clock = Stopwatch.StartNew();

        var answer = await services.GetRequiredService<AnswerService>().AskAsync(Seeds.HondaQuestion);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(3, _fake.ChatRequests.Count()); // the call and two retries
        Assert.False(answer.Declined);
        Assert.Equal(ChatAnswerer.ModelUnavailableNotice, answer.Notice);
        Assert.Contains("24.2%", answer.Text, StringComparison.Ordinal);
        Assert.Contains(Seeds.HondaFile, answer.Citations[0].Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_follow_up_is_rewritten_by_the_model_from_the_conversation()
    {
        _fake.ChatReply = r => IsRewrite(r) ? "How did Toyota sales change?" : "Toyota had a slight increase of 6.8% [1].";
        await using var services = await ChatHost();
        Assert.IsType<ChatFollowUpRewriter>(services.GetRequiredService<IFollowUpRewriter>());
        var answers = services.GetRequiredService<AnswerService>();
        var conversation = Guid.NewGuid().ToString("N");

        await answers.AskAsync(Seeds.HondaQuestion, conversation);
        var followUp = await answers.AskAsync("and Toyota?", conversation);

        var rewrite = Assert.Single(_fake.ChatRequests, IsRewrite);
        var prompt = RecordedRequest.Text(rewrite.Json["messages"]!.AsArray()[^1]!["content"]);
        Assert.Contains("User: " + Seeds.HondaQuestion, prompt, StringComparison.Ordinal);
        Assert.Contains("Latest message: and Toyota?", prompt, StringComparison.Ordinal);
        Assert.Equal("How did Toyota sales change?", followUp.StandaloneQuestion);
        Assert.Contains("6.8%", followUp.Text, StringComparison.Ordinal);
        // The answer request carried the rewritten question, not the fragment.
        var last = _fake.ChatRequests.Last(r => !IsRewrite(r));
        Assert.Contains("Question: How did Toyota sales change?", RecordedRequest.Text(last.Json["messages"]!.AsArray()[^1]!["content"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Re_ingesting_unchanged_passages_does_not_pay_for_their_embeddings_again()
    {
        await using var services = await Host(new() { ["QaBot:Embedding:Provider"] = "AzureOpenAI", ["QaBot:Embedding:Dimensions"] = "64" });
        var firstRun = _fake.EmbeddedTexts().Count;
        Assert.True(firstRun > 0);

        var pipeline = services.GetRequiredService<QaBot.Ingestion.IngestionPipeline>();
        var again = await pipeline.IngestAsync([RepositoryPaths.Seeds]);
        Assert.Equal(0, again.Embedded);
        Assert.Equal(firstRun, _fake.EmbeddedTexts().Count);

        using var folder = new TempFolder();
        folder.Write("extra.txt", "Mazda news\n\nMazda sales rose by 3.1% in Europe.");
        await pipeline.IngestAsync([RepositoryPaths.Seeds, folder.Path]);
        var added = _fake.EmbeddedTexts().Skip(firstRun).ToList();
        // The new article's title and its one sentence; nothing of the unchanged seeds.
        Assert.Equal(["Mazda news", "Mazda sales rose by 3.1% in Europe."], added);
    }

    [Fact]
    public async Task Azure_embeddings_index_the_passages_and_embed_the_question()
    {
        await using var services = await Host(new() { ["QaBot:Embedding:Provider"] = "AzureOpenAI", ["QaBot:Embedding:Dimensions"] = "64" });
        Assert.Empty(_fake.ChatRequests);

        var ingested = _fake.EmbeddingRequests.ToList();
        Assert.NotEmpty(ingested);
        Assert.All(ingested, r =>
        {
            Assert.Equal($"/openai/deployments/{EmbeddingDeployment}/embeddings", r.Path);
            Assert.False(string.IsNullOrEmpty(r.Query.GetValueOrDefault("api-version")));
            Assert.Equal(ApiKey, r.ApiKey);
        });
        var texts = ingested.SelectMany(r => r.Json["input"]!.AsArray().Select(i => i!.GetValue<string>())).ToList();
        Assert.Contains(texts, t => t.Contains("Honda's sales dropped by 24.2%", StringComparison.Ordinal));

        // The stored sentence vectors are the ones the service returned for each sentence, found by the sentence's key.
        var snapshot = services.GetRequiredService<IndexSnapshots>().Current;
        var passages = new List<PassageRecord>();
        await foreach (var p in snapshot.Passages.GetAsync(p => p.DocumentId != "", top: 1000)) passages.Add(p);
        var sentences = passages.SelectMany(p => p.ToChunk().Sentences().Select(s => (p.DocumentId, Text: s))).Distinct().ToList();
        Assert.NotEmpty(sentences);
        Assert.All(sentences, s => Assert.Contains(s.Text, texts));
        var (documentId, sentence) = sentences.First(s => s.Text.Contains("24.2%", StringComparison.Ordinal));
        var record = await snapshot.Sentences.GetAsync(SentenceRecord.KeyFor(documentId, sentence), new() { IncludeVectors = true });
        Assert.NotNull(record);
        Assert.Equal(64, record.Embedding.Length);
        Assert.Equal(FakeAzureOpenAI.Embed(sentence, 64), record.Embedding.ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);

        var answer = await services.GetRequiredService<AnswerService>().AskAsync(Seeds.HondaQuestion);
        Assert.Contains(_fake.EmbeddingRequests, r => r.Json["input"]!.ToJsonString().Contains(Seeds.HondaQuestion, StringComparison.Ordinal));
        Assert.Contains("24.2%", answer.Text, StringComparison.Ordinal);
        Assert.Contains(Seeds.HondaFile, answer.Citations[0].Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_API_key_the_service_is_called_with_an_Entra_ID_token()
    {
        await using var services = await Host(new() { ["QaBot:Answering:Provider"] = "AzureOpenAI" }, signIn: true);

        await services.GetRequiredService<AnswerService>().AskAsync(Seeds.HondaQuestion);

        var chat = _fake.ChatRequests.ToList();
        Assert.NotEmpty(chat);
        Assert.All(chat, r => Assert.Equal(($"Bearer {FakeAzureOpenAI.EntraToken}", (string?)null), (r.Authorization, r.ApiKey)));
        var signIn = Assert.Single(_fake.Requests, r => r.Path.EndsWith("/oauth2/v2.0/token", StringComparison.Ordinal));
        Assert.Equal("/tenant-1/oauth2/v2.0/token", signIn.Path);
        Assert.Contains("client_secret=client-secret-1", signIn.Body, StringComparison.Ordinal);
    }
}
