using QaBot.Answering;

namespace QaBot.Cli;

/// <summary>Plain-text rendering of an <see cref="Answer"/> for the terminal: answer, notice, numbered sources with quotes.</summary>
internal static class AnswerPrinter
{
    /// <summary>The answer to <paramref name="output"/>; its timing to <paramref name="diagnostics"/>, so scripts reading stdout get only the answer.</summary>
    public static void Print(Answer answer, TextWriter output, TextWriter diagnostics)
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
                output.WriteLine($"[{c.Index}] {c.Title} ({c.Location()}{date})");
                output.WriteLine($"    \"{c.Quote}\"");
            }
        }
        // A reply made without a lookup (a greeting, an empty question) took no time worth showing.
        if (!answer.Refused) diagnostics.WriteLine($"({answer.Timing.Total.TotalMilliseconds:F1} ms)");
    }
}
