using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QaBot.Answering;
using QaBot.Configuration;
using QaBot.Feedback;

namespace QaBot.Core.Tests;

/// <summary>Start-up validation through the real <c>AddQaBot</c>: every failure names the configuration key to fix.</summary>
public class ConfigurationTests
{
    /// <summary>The start-up validation failure; several failing option classes come wrapped in one AggregateException.</summary>
    private static OptionsValidationException StartupFailure(Dictionary<string, string?> settings)
    {
        using var services = QaBotTestHost.Build(settings);
        var error = Record.Exception(() => services.GetRequiredService<IStartupValidator>().Validate());
        return error switch
        {
            OptionsValidationException single => single,
            AggregateException many => new OptionsValidationException("several", typeof(object), many.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures)),
            _ => throw new Xunit.Sdk.XunitException($"Expected an OptionsValidationException, got {error?.GetType().Name ?? "none"}: {error?.Message}"),
        };
    }

    [Fact]
    public void The_repository_settings_are_valid()
    {
        using var services = QaBotTestHost.Build();
        services.GetRequiredService<IStartupValidator>().Validate();
        Assert.IsType<ExtractiveAnswerer>(services.GetRequiredService<IAnswerer>());
    }

    [Fact]
    public void AddQaBot_accepts_the_repository_settings_as_they_are()
    {
        // Exactly what the CLI and server load: appsettings.json, nothing added (it has no optional sections such as
        // QaBot:AzureOpenAI:Resilience, which once made AddQaBot throw).
        var configuration = new ConfigurationBuilder().AddJsonFile(RepositoryPaths.AppSettings).Build();
        using var services = new ServiceCollection().AddLogging().AddQaBot(configuration).BuildServiceProvider();
        services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void Azure_OpenAI_answers_without_endpoint_or_deployment_name_the_missing_keys()
    {
        var error = StartupFailure(new() { ["QaBot:Answering:Provider"] = "AzureOpenAI" });

        Assert.Contains("QaBot:AzureOpenAI:Endpoint", error.Message, StringComparison.Ordinal);
        // No key is no error: QaBot then signs in with Entra ID.
        Assert.DoesNotContain("QaBot:AzureOpenAI:ApiKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("QaBot:AzureOpenAI:ChatDeployment", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("EmbeddingDeployment", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolving_the_Azure_options_directly_fails_the_same_way()
    {
        using var services = QaBotTestHost.Build(new() { ["QaBot:Embedding:Provider"] = "AzureOpenAI" });
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AzureOpenAIOptions>>().Value);
        Assert.Contains("QaBot:AzureOpenAI:Endpoint", error.Message, StringComparison.Ordinal);
        Assert.Contains("QaBot:AzureOpenAI:EmbeddingDeployment", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_http_endpoint_is_refused_unless_it_is_loopback()
    {
        var remote = StartupFailure(new()
        {
            ["QaBot:Answering:Provider"] = "AzureOpenAI",
            ["QaBot:AzureOpenAI:Endpoint"] = "http://my-resource.openai.azure.com/",
            ["QaBot:AzureOpenAI:ApiKey"] = "key",
            ["QaBot:AzureOpenAI:ChatDeployment"] = "gpt",
        });
        Assert.Contains("QaBot:AzureOpenAI:Endpoint must be an https URL", remote.Message, StringComparison.Ordinal);

        using var loopback = QaBotTestHost.Build(new()
        {
            ["QaBot:Answering:Provider"] = "AzureOpenAI",
            ["QaBot:AzureOpenAI:Endpoint"] = "http://127.0.0.1:5999/",
            ["QaBot:AzureOpenAI:ApiKey"] = "key",
            ["QaBot:AzureOpenAI:ChatDeployment"] = "gpt",
        });
        loopback.GetRequiredService<IStartupValidator>().Validate();

        // Entra ID tokens go over https only, loopback or not.
        var signIn = StartupFailure(new()
        {
            ["QaBot:Answering:Provider"] = "AzureOpenAI",
            ["QaBot:AzureOpenAI:Endpoint"] = "http://127.0.0.1:5999/",
            ["QaBot:AzureOpenAI:ChatDeployment"] = "gpt",
        });
        Assert.Contains("QaBot:AzureOpenAI:Endpoint must be https when QaBot:AzureOpenAI:ApiKey is not set", signIn.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Azure_settings_are_not_required_when_everything_runs_locally()
    {
        using var services = QaBotTestHost.Build(new() { ["QaBot:AzureOpenAI:Endpoint"] = "http://not-https.example.com/" });
        services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void Chunking_with_min_above_max_names_both_keys()
    {
        var error = StartupFailure(new() { ["QaBot:Chunking:MinChars"] = "900", ["QaBot:Chunking:MaxChars"] = "400" });
        Assert.Contains("QaBot:Chunking:MinChars (900)", error.Message, StringComparison.Ordinal);
        Assert.Contains("QaBot:Chunking:MaxChars (400)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_of_range_values_are_refused_naming_the_full_key()
    {
        var error = StartupFailure(new() { ["QaBot:Retrieval:TopK"] = "0", ["QaBot:Chunking:MaxChars"] = "50", ["QaBot:Ingestion:MaxFileMegabytes"] = "0" });
        var failures = error.Message + " " + string.Join(' ', error.Failures);
        Assert.Contains("QaBot:Retrieval:TopK", failures, StringComparison.Ordinal);
        Assert.Contains("QaBot:Ingestion:MaxFileMegabytes", failures, StringComparison.Ordinal);
        Assert.Contains("QaBot:Chunking:MaxChars", failures, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("QaBot:Retrieval:TopKK", "QaBot:Retrieval:TopKK is not a setting QaBot reads; did you mean QaBot:Retrieval:TopK?")]
    [InlineData("QaBot:Retreival:TopK", "QaBot:Retreival is not a setting QaBot reads; did you mean QaBot:Retrieval?")]
    [InlineData("QABOT:CHUNKING:MAXCHARZ", "QaBot:Chunking:MAXCHARZ is not a setting QaBot reads; did you mean QaBot:Chunking:MaxChars?")]
    [InlineData("QaBot:State:Redis:Configuraton", "did you mean QaBot:State:Redis:Configuration?")]
    [InlineData("QaBot:AzureOpenAI:Resilience:Retry:MaxRetryAtempts", "did you mean QaBot:AzureOpenAI:Resilience:Retry:MaxRetryAttempts?")]
    // A callback cannot come from configuration; the binder would skip it without a word.
    [InlineData("QaBot:AzureOpenAI:Resilience:Retry:ShouldHandle", "QaBot:AzureOpenAI:Resilience:Retry:ShouldHandle is not a setting")]
    [InlineData("QaBot:Index:Cache", "QaBot:Index:Cache is not a setting QaBot reads (QaBot:Index has: Path, Persist, ReadOnly, ReloadCheckInterval.)")]
    [InlineData("QaBot:Retrieval", "QaBot:Retrieval is a section of settings, not a value (QaBot:Retrieval has: Bm25B, Bm25K1, CandidatePool,")]
    [InlineData("QaBot:State:Redis", "QaBot:State:Redis is a section of settings, not a value (QaBot:State:Redis has: Configuration.)")]
    public void A_key_no_setting_has_is_refused_naming_it_and_the_setting_it_is_closest_to(string key, string expected)
    {
        var error = StartupFailure(new() { [key] = "3" });

        Assert.Contains(error.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_kind_of_setting_the_binder_fills_is_accepted()
    {
        using var services = QaBotTestHost.Build(new()
        {
            ["QaBot:Corpus:Paths:0"] = "seeds", // list items
            ["QaBot:Ingestion:ExcludeFilePatterns:3"] = "*.tmp",
            ["QaBot:retrieval:topk"] = "6", // keys are case-insensitive, as the binder reads them
            ["QaBot:State:Redis:Configuration"] = "localhost:6379", // a nested section
            ["QaBot:Turns:StopTimeout"] = "00:00:05", // values the binder converts from text
            ["QaBot:AzureOpenAI:Endpoint"] = "https://example.openai.azure.com/",
            ["QaBot:AzureOpenAI:Resilience:Retry:MaxRetryAttempts"] = "2", // the resilience pipeline's own options
            ["QaBot:AzureOpenAI:Resilience:AttemptTimeout:Timeout"] = "00:00:10",
            ["QaBot:Feedback:BusyTimeout"] = "00:00:02",
            ["QaBot:Slack:MaxRetries"] = "2", // a channel's section, read by the server only
            ["Logging:LogLevel:QaBot"] = "Debug", // outside QaBot, not ours to check
        });

        services.GetRequiredService<IStartupValidator>().Validate();
        Assert.Equal(TimeSpan.FromSeconds(2), services.GetRequiredService<IOptions<FeedbackOptions>>().Value.BusyTimeout);
    }

    [Fact]
    public void A_list_setting_given_one_value_is_that_one_item()
    {
        // As an environment variable says it: QaBot__Ingestion__ExcludeFilePatterns=*.tmp, not …__0.
        using var one = QaBotTestHost.Build(new() { ["QaBot:Ingestion:ExcludeFilePatterns"] = "*.tmp" });
        using var repository = QaBotTestHost.Build();

        Assert.Equal(["*.tmp"], one.GetRequiredService<IOptions<IngestionOptions>>().Value.ExcludeFilePatterns);
        Assert.Equal(["README*", "LICENSE*"], repository.GetRequiredService<IOptions<IngestionOptions>>().Value.ExcludeFilePatterns);
    }

    [Fact]
    public void The_feedback_section_is_checked_when_it_is_first_used()
    {
        using var services = QaBotTestHost.Build(new() { ["QaBot:Feedback:Pth"] = "votes.db" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<FeedbackOptions>>().Value);
        Assert.Contains("QaBot:Feedback:Pth is not a setting QaBot reads; did you mean QaBot:Feedback:Path?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_prompt_folder_names_the_path()
    {
        var missing = Path.Combine(Path.GetTempPath(), "qabot-no-prompts-" + Guid.NewGuid().ToString("N"));
        using var services = QaBotTestHost.Build(new() { ["QaBot:Answering:PromptsPath"] = missing });
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<PromptLibrary>());
        Assert.Contains("QaBot:Answering:PromptsPath", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(missing, "system.md"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_prompts_are_read_from_the_configured_folder()
    {
        using var services = QaBotTestHost.Build();
        var prompts = services.GetRequiredService<PromptLibrary>();
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryPaths.Prompts, "system.md")), prompts.System);
        Assert.Contains("{{passages}}", prompts.Answer, StringComparison.Ordinal);
        Assert.Contains("{{question}}", prompts.Answer, StringComparison.Ordinal);
    }
}

/// <summary>The answerer's fitted weights file: loaded at start-up, and a missing or broken file stops it naming the file.</summary>
public sealed class AnswerModelFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qabot-weights-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string StartupError(string weightsPath)
    {
        using var services = QaBotTestHost.Build(new() { ["QaBot:Answering:WeightsPath"] = weightsPath });
        var error = Record.Exception(() => services.GetRequiredService<IStartupValidator>().Validate());
        var failures = error switch
        {
            OptionsValidationException single => single.Failures,
            AggregateException many => many.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures),
            _ => throw new Xunit.Sdk.XunitException($"Expected a validation failure, got {error?.GetType().Name ?? "none"}"),
        };
        return Assert.Single(failures.Distinct());
    }

    [Fact]
    public void The_committed_file_loads_with_this_builds_features()
    {
        var model = AnswerModel.Load(RepositoryPaths.Weights);
        Assert.Equal(AnswerFeatures.Names, model.Sentence.Features);
        Assert.Equal(AnswerFeatures.DeclineNames, model.Decline.Features);
        Assert.InRange(model.DeclineThreshold, 0.0, 1.0);
    }

    [Fact]
    public void A_missing_file_fails_start_up_naming_the_key_and_the_file()
    {
        var path = Path.Combine(_folder, "absent.json");
        var failure = StartupError(path);
        Assert.StartsWith("QaBot:Answering:WeightsPath:", failure);
        Assert.Contains(path, failure);
        Assert.Contains("qabot calibrate", failure);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("{\"version\": 1}")]
    public void A_malformed_file_fails_start_up_naming_the_file(string content)
    {
        var path = Path.Combine(_folder, "broken.json");
        File.WriteAllText(path, content);
        var failure = StartupError(path);
        Assert.StartsWith("QaBot:Answering:WeightsPath:", failure);
        Assert.Contains(path, failure);
    }

    [Fact]
    public void A_file_fitted_for_other_features_is_refused()
    {
        var model = AnswerModel.Load(RepositoryPaths.Weights);
        var stale = model with { Sentence = model.Sentence with { Features = model.Sentence.Features.Reverse().ToArray() } };
        var path = Path.Combine(_folder, "stale.json");
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(stale, AnswerModel.Json));
        Assert.Contains("do not match this build", StartupError(path));
    }
}
