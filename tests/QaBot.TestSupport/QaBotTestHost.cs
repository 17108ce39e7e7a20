using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QaBot.Answering;
using QaBot.Configuration;
using QaBot.Ingestion;

namespace QaBot.TestSupport;

/// <summary>
/// The real DI wiring (<c>AddQaBot</c>) over the repository's appsettings.json, with the corpus and prompts pointed at
/// the repository's seeds/ and prompts/ by absolute path, plus per-test overrides.
/// </summary>
public static class QaBotTestHost
{
    public static IConfiguration Configuration(Dictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["QaBot:Corpus:Paths:0"] = RepositoryPaths.Seeds,
            ["QaBot:Answering:PromptsPath"] = RepositoryPaths.Prompts,
            ["QaBot:Answering:WeightsPath"] = RepositoryPaths.Weights,
            // Each test indexes afresh; the persistent index has tests of its own.
            ["QaBot:Index:Persist"] = "false",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        return new ConfigurationBuilder()
            .AddJsonFile(RepositoryPaths.AppSettings, optional: false)
            .AddInMemoryCollection(settings)
            .Build();
    }

    public static ServiceProvider Build(Dictionary<string, string?>? overrides = null, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection().AddLogging().AddQaBot(Configuration(overrides));
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    public static Task<IngestionReport> IngestConfiguredCorpusAsync(IServiceProvider services)
    {
        var paths = services.GetRequiredService<IOptions<CorpusOptions>>().Value.Paths;
        return services.GetRequiredService<IngestionPipeline>().IngestAsync(paths);
    }
}

/// <summary>The seeds/ index, built once per test class through the real pipeline.</summary>
public sealed class SeedsIndexFixture : IAsyncLifetime
{
    private ServiceProvider? _services;

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("Not initialised.");

    public IngestionReport Report { get; private set; } = null!;

    public AnswerService Answers => Services.GetRequiredService<AnswerService>();

    public async Task InitializeAsync()
    {
        _services = QaBotTestHost.Build();
        Report = await QaBotTestHost.IngestConfiguredCorpusAsync(_services);
    }

    public async Task DisposeAsync()
    {
        if (_services is not null) await _services.DisposeAsync();
    }
}
