using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Answering;

namespace QaBot.Cli.Commands;

internal static class AskCommand
{
    public static Command Create(Option<string[]> docs, Option<bool> verbose)
    {
        var question = new Argument<string>("question") { Description = "The question, in quotes." };
        var command = new Command("ask", "Answer one question and print the answer with its sources.") { question };
        command.SetAction(async (parse, ct) =>
        {
            using var host = CliHost.Build(parse.GetValue(verbose));
            await CliHost.IndexAsync(host.Services, parse.GetValue(docs), ct);
            var answer = await host.Services.GetRequiredService<AnswerService>().AskAsync(parse.GetValue(question)!, cancellationToken: ct);
            AnswerPrinter.Print(answer, Console.Out);
            return 0;
        });
        return command;
    }
}
