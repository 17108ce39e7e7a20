using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Answering;

namespace QaBot.Cli.Commands;

internal static class ChatCommand
{
    public static Command Create(Option<string[]> docs, Option<bool> verbose)
    {
        var command = new Command("chat", "Talk with the bot in the terminal; follow-up questions keep the conversation's context.");
        command.SetAction(async (parse, ct) =>
        {
            using var host = CliHost.Build(parse.GetValue(verbose));
            var report = await CliHost.IndexAsync(host.Services, parse.GetValue(docs), ct);
            var answers = host.Services.GetRequiredService<AnswerService>();
            var conversationId = "cli-" + Guid.NewGuid().ToString("N");
            var interactive = !Console.IsInputRedirected;
            Console.WriteLine($"QaBot knows {report.Documents} articles ({report.Passages} passages). Ask a question; {(interactive ? "an empty line or " : "")}'exit' quits.");
            while (!ct.IsCancellationRequested)
            {
                if (interactive) Console.Write("> ");
                var line = Console.ReadLine()?.Trim();
                if (line is null || line.Equals("exit", StringComparison.OrdinalIgnoreCase) || line.Equals("quit", StringComparison.OrdinalIgnoreCase)) break;
                // At the prompt an empty line quits; in piped input it only separates questions, so none after it is lost.
                if (line.Length == 0)
                {
                    if (interactive) break;
                    continue;
                }
                var answer = await answers.AskAsync(line, conversationId, ct);
                if (!string.Equals(answer.StandaloneQuestion, answer.Question, StringComparison.Ordinal)) Console.WriteLine($"(understood as: {answer.StandaloneQuestion})");
                AnswerPrinter.Print(answer, Console.Out, Console.Error);
                Console.WriteLine();
            }
            return 0;
        });
        return command;
    }
}
