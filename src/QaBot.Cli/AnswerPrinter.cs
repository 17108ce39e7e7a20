using QaBot.Answering;
using QaBot.Text;

namespace QaBot.Cli;

/// <summary>Plain-text rendering of an <see cref="Answer"/> for the terminal: answer, notice, numbered sources with quotes.</summary>
internal static class AnswerPrinter
{
    public static void Print(Answer answer, TextWriter output)
    {
        output.WriteLine(answer.MarkedText);
        if (answer.Notice is not null) output.WriteLine($"(note: {answer.Notice})");
        if (answer.Citations.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Sources:");
            foreach (var c in answer.Citations)
            {
                var date = c.Published is { } d ? $", {d:yyyy-MM-dd}" : "";
                output.WriteLine($"[{c.Index}] {c.Title} ({c.Source}{date})");
                if (WebUrl.Safe(c.Url) is { } url) output.WriteLine($"    {url}");
                output.WriteLine($"    \"{c.Quote}\"");
            }
        }
        output.WriteLine($"({answer.Timing.Total.TotalMilliseconds:F1} ms)");
    }
}
