using System.CommandLine;
using QaBot.Cli.Commands;
using QaBot.Configuration;

var docs = new Option<string[]>("--docs")
{
    Description = "Folder (or file) of articles to index; repeat for more. Default: QaBot:Corpus:Paths (seeds/).",
    AllowMultipleArgumentsPerToken = true,
};
var verbose = new Option<bool>("--verbose", "-v") { Description = "Log what the pipeline does (to stderr).", Recursive = true };

var root = new RootCommand("QaBot: answers questions about a body of articles, with numbered citations.")
{
    AskCommand.Create(docs, verbose),
    ChatCommand.Create(docs, verbose),
    IngestCommand.Create(docs, verbose),
    EvalCommand.Create(docs, verbose),
    BenchCommand.Create(docs, verbose),
    CalibrateCommand.Create(verbose),
    FeedbackCommand.Create(verbose),
};
root.Options.Add(verbose);
// --docs only on the commands that index it (calibrate and feedback do not).
foreach (var command in root.Subcommands.Where(c => c.Name is "ask" or "chat" or "ingest" or "eval" or "bench")) command.Options.Add(docs);

try
{
    // Our handlers below print reasons, not stack traces.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ConfigurationErrors.Describe(ex) is { } problems)
{
    ConfigurationErrors.Write(Console.Error, problems);
    if (args.Contains("--verbose") || args.Contains("-v")) await Console.Error.WriteLineAsync(ex.ToString());
    return 2;
}
catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException or FormatException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync("Error: " + ex.Message);
    return 2;
}
catch (OperationCanceledException)
{
    // Ctrl-C or SIGTERM: an ingest keeps what it embedded, and the next run resumes from there.
    await Console.Error.WriteLineAsync("Interrupted.");
    return 130;
}
catch (Exception ex)
{
    // Users get the reason; the stack trace only when they ask for detail.
    await Console.Error.WriteLineAsync("Unexpected error: " + ex.Message);
    if (args.Contains("--verbose") || args.Contains("-v")) await Console.Error.WriteLineAsync(ex.ToString());
    return 1;
}
