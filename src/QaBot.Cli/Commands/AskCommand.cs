using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Answering;

namespace QaBot.Cli.Commands;

internal static class AskCommand
{
    public static Command Create(Option<string[]> docs, Option<bool> verbose)
    {
        // Optional for the parser only: after "--docs a b" the question is the option's last token (see below).
        var question = new Argument<string?>("question") { Description = "The question, in quotes (before or after the options).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("ask", "Answer one question and print the answer with its sources.") { question };
        command.Validators.Add(result =>
        {
            if (result.GetResult(docs) is { Tokens.Count: 0, Implicit: false }) return; // "--docs" with no value: the parser says so.
            switch (QuestionAndDocs(result.GetValue(question), result.GetValue(docs)).Question)
            {
                case null:
                    result.AddError("Required argument missing for command: 'ask': the question.");
                    break;
                case var blank when string.IsNullOrWhiteSpace(blank):
                    result.AddError("Required argument missing for command: 'ask': the question is empty.");
                    break;
                // One word starting with '-' is a mistyped option, not a question.
                case ['-', ..] unknown when !unknown.Contains(' ', StringComparison.Ordinal):
                    result.AddError($"Unrecognized option '{unknown}'.");
                    break;
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var (text, folders) = QuestionAndDocs(parse.GetValue(question), parse.GetValue(docs));
            using var host = CliHost.Build(parse.GetValue(verbose));
            await CliHost.IndexAsync(host.Services, folders, ct);
            var answer = await host.Services.GetRequiredService<AnswerService>().AskAsync(text!, cancellationToken: ct);
            AnswerPrinter.Print(answer, Console.Out, Console.Error);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// --docs takes several folders, so in <c>ask --docs seeds "QUESTION"</c> the parser hands the question to --docs too:
    /// without a question argument, a last --docs value that names no file or folder is the question.
    /// </summary>
    private static (string? Question, string[]? Docs) QuestionAndDocs(string? question, string[]? docs) =>
        question is null && docs is [.. var folders, var last] && !Path.Exists(last) ? (last, folders) : (question, docs);
}
