using System.Text.Json;
using System.Text.Json.Serialization;

namespace QaBot.Evaluation;

/// <summary>One line of a question set (shared/eval/README.md).</summary>
public sealed record EvalQuestion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("expect_any")] IReadOnlyList<string> ExpectAny,
    [property: JsonPropertyName("answerable")] bool Answerable,
    [property: JsonPropertyName("source_hint")] string SourceHint)
{
    public static IReadOnlyList<EvalQuestion> Load(string path)
    {
        var questions = new List<EvalQuestion>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var q = JsonSerializer.Deserialize<EvalQuestion>(line) ?? throw new JsonException("empty line");
                if (string.IsNullOrWhiteSpace(q.Id) || string.IsNullOrWhiteSpace(q.Question)) throw new JsonException("\"id\" and \"question\" are required");
                // expect_any and source_hint are empty for unanswerable questions, and may be left out.
                questions.Add(q with { ExpectAny = q.ExpectAny ?? [], SourceHint = q.SourceHint ?? "" });
            }
            catch (JsonException ex)
            {
                throw new FormatException($"{path}:{lineNumber}: not a question object ({ex.Message})", ex);
            }
        }
        return questions;
    }
}
