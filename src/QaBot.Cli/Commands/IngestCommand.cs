using System.Globalization;
using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Ingestion;
using Spectre.Console;

namespace QaBot.Cli.Commands;

internal static class IngestCommand
{
    private const int ListedDocuments = 25;

    public static Command Create(Option<string[]> docs, Option<bool> verbose)
    {
        var command = new Command("ingest", "Index folders of articles (.txt, .md, .html, .pdf, .docx; recursively) and report what was found: titles, dates, URLs, passages.");
        command.SetAction(async (parse, ct) =>
        {
            using var host = CliHost.Build(parse.GetValue(verbose), answerModel: false);
            // Nothing is asked in this process: the index is written, not served.
            var report = await CliHost.IndexAsync(host.Services, parse.GetValue(docs), ct, serve: false);
            var catalog = host.Services.GetRequiredService<DocumentCatalog>().Documents;

            var table = new Table().AddColumns("Title", "File", "Published", "URL", "Passages");
            foreach (var d in catalog.Take(ListedDocuments))
            {
                table.AddRow(Markup.Escape(d.Title), Markup.Escape(d.SourcePath), d.Published?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "", Markup.Escape(d.Url ?? ""), d.Passages.ToString(CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            if (catalog.Count > ListedDocuments) AnsiConsole.WriteLine($"... and {catalog.Count - ListedDocuments} more documents.");
            // Plain lines, not Spectre's: it wraps text at 80 columns when the output is redirected.
            Console.WriteLine($"Indexed {report.Documents} documents as {report.Passages} passages in {report.Elapsed.TotalMilliseconds:F0} ms: {report.Embedded} embedded, {report.Removed} removed.");
            // Where the index went, so a user knows what to copy to a replica or delete to start afresh.
            Console.WriteLine(report.IndexFolder is { } folder ? $"Stored in {Displayed(folder)}." : "Not stored (QaBot:Index:Persist is false).");
            var skipped = host.Services.GetRequiredService<DocumentCatalog>().Skipped;
            // Each skipped file was logged on its own line (to stderr) as it happened; this is the tally.
            Console.WriteLine(skipped.Count == 0
                ? "Skipped no files."
                : $"Skipped {skipped.Count} files: " + string.Join(", ", skipped.GroupBy(s => s.Reason).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Describe(g.Key)}")) + ".");
            // An index of nothing is a mistake (a wrong folder, files of another kind), not a success for a deploy script.
            return report.Documents > 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>A path under the working folder relative to it, any other in full.</summary>
    private static string Displayed(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? Path.GetFullPath(path) : relative;
    }

    private static string Describe(SkipReason reason) => reason switch
    {
        SkipReason.Unreadable => "unreadable",
        SkipReason.NoText => "with no text",
        SkipReason.Unsuitable => "unsuitable (binary, too large or nested too deep)",
        SkipReason.Excluded => "not regular files in the folder (links out, FIFOs, devices)",
        _ => reason.ToString(),
    };
}
