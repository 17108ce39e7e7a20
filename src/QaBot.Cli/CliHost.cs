using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Configuration;
using QaBot.Ingestion;
using QaBot.Logging;
using Spectre.Console;

namespace QaBot.Cli;

/// <summary>Builds the QaBot services for a CLI command and indexes the requested folders.</summary>
internal static class CliHost
{
    /// <summary>Progress and diagnostics go to stderr, so stdout holds only answers (and eval's JSON line).</summary>
    public static readonly IAnsiConsole Diagnostics = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <param name="answerModel">
    /// Whether the answerer's weights file must load: not for <c>qabot ingest</c>, which answers nothing, nor for
    /// <c>qabot calibrate</c>, which writes it. Every other setting is checked either way.
    /// </param>
    /// <param name="settings">Overrides on top of appsettings.json and the environment (the benchmark's temporary index).</param>
    public static IHost Build(bool verbose, bool answerModel = true, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            // appsettings.json of the working folder (the repository root) wins; else the copy next to the binary.
            ContentRootPath = File.Exists("appsettings.json") ? Environment.CurrentDirectory : AppContext.BaseDirectory,
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.AddQaBotConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // Overrides appsettings.json's levels, which are set for the server.
        // -v adds what the pipeline does and the details behind one-line warnings (e.g. why a file could not be read).
        builder.Logging.AddFilter((string? _, LogLevel level) => level >= (verbose ? LogLevel.Debug : LogLevel.Warning));
        builder.Services.AddQaBot(builder.Configuration);
        if (!answerModel) builder.Services.Remove(builder.Services.Single(d => d.ImplementationType == typeof(AnswerModelValidator)));
        var host = builder.Build();
        // The CLI does not run the host's lifetime, so run the start-up validation (which names bad keys) now.
        host.Services.GetRequiredService<IStartupValidator>().Validate();
        return host;
    }

    /// <summary>The folders a command indexes: <c>--docs</c>, else <c>QaBot:Corpus:Paths</c>.</summary>
    public static string[] Roots(IServiceProvider services, string[]? docs) =>
        docs is { Length: > 0 } ? docs : services.GetRequiredService<IOptions<CorpusOptions>>().Value.Paths.ToArray();

    /// <summary>Indexes the command's folders with a progress bar; <paramref name="serve"/> as <see cref="IngestionPipeline.IngestAsync"/> takes it.</summary>
    public static async Task<IngestionReport> IndexAsync(IServiceProvider services, string[]? docs, CancellationToken cancellationToken, bool serve = true)
    {
        var roots = Roots(services, docs);
        var report = await IngestAsync(services.GetRequiredService<IngestionPipeline>(), roots, serve, cancellationToken);
        if (report.Documents == 0)
        {
            await Console.Error.WriteLineAsync($"Warning: no articles found in {string.Join(", ", roots)} (.txt, .md, .html, .pdf and .docx files are read); every question will be declined.");
        }
        return report;
    }

    private static async Task<IngestionReport> IngestAsync(IngestionPipeline pipeline, string[] roots, bool serve, CancellationToken cancellationToken)
    {
        if (Console.IsErrorRedirected) return await pipeline.IngestAsync(roots, serve: serve, cancellationToken: cancellationToken);

        IngestionReport? report = null;
        await Diagnostics.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var reading = ctx.AddTask("Reading documents");
                var embedding = ctx.AddTask("Embedding passages");
                var progress = new Progress<IngestionProgress>(p =>
                {
                    var task = p.Stage == IngestionStage.Reading ? reading : embedding;
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                });
                report = await pipeline.IngestAsync(roots, progress, serve, cancellationToken);
                reading.Value = reading.MaxValue;
                embedding.Value = embedding.MaxValue;
            });
        return report!;
    }
}
