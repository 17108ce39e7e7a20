using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QaBot.Answering;
using QaBot.Configuration;
using QaBot.Ingestion;

namespace QaBot.Hostile.Tests.Infrastructure;

/// <summary>The real core wiring (<c>AddQaBot</c>) over the repository's appsettings.json, with seeds/ indexed once per test class.</summary>
public sealed class SeedsAnswerService : IAsyncLifetime
{
    private ServiceProvider? _services;

    public AnswerService Answers => _services!.GetRequiredService<AnswerService>();

    public int MaxQuestionChars => _services!.GetRequiredService<IOptions<AnsweringOptions>>().Value.MaxQuestionChars;

    public async Task InitializeAsync()
    {
        var root = RepoRoot();
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(root, "appsettings.json"), optional: false)
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["QaBot:Corpus:Paths:0"] = Path.Combine(root, "seeds"),
                ["QaBot:Answering:PromptsPath"] = Path.Combine(root, "prompts"),
            })
            .Build();
        _services = new ServiceCollection().AddLogging().AddQaBot(configuration).BuildServiceProvider();
        var paths = _services.GetRequiredService<IOptions<CorpusOptions>>().Value.Paths;
        await _services.GetRequiredService<IngestionPipeline>().IngestAsync(paths);
    }

    public async Task DisposeAsync()
    {
        if (_services is not null) await _services.DisposeAsync();
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "QaBot.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} contains QaBot.sln.");
    }
}
