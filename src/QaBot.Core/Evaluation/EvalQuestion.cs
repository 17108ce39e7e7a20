using System.Text.Json;
using System.Text.Json.Serialization;

namespace QaBot.Evaluation;

/// <summary>One line of a question set (shared/eval/README.md).</summary>
public sealed record EvalQuestion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("expect_any")] IReadOnlyList<string> ExpectAny,
    [property: JsonPropertyName("answerable"), JsonRequired] bool Answerable,
    [property: JsonPropertyName("source_hint")] string SourceHint)
{
    /// <summary>The set at <paramref name="path"/>; a line that would be scored wrongly (no <c>answerable</c>, an empty
    /// expected string, an id seen before) stops the load naming the line, and so does a set with no question.</summary>
    public static IReadOnlyList<EvalQuestion> Load(string path)
    {
        var questions = new List<EvalQuestion>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var q = JsonSerializer.Deserialize<EvalQuestion>(line) ?? throw new JsonException("empty line");
                if (string.IsNullOrWhiteSpace(q.Id) || string.IsNullOrWhiteSpace(q.Question)) throw new JsonException("\"id\" and \"question\" are required");
                if (!ids.Add(q.Id)) throw new JsonException($"the id \"{q.Id}\" is used before");
                if (q.Answerable && (q.ExpectAny is not { Count: > 0 } || q.ExpectAny.Any(string.IsNullOrWhiteSpace)))
                    throw new JsonException("an answerable question needs \"expect_any\" with no empty string (an empty one matches every answer)");
                // expect_any and source_hint are empty for unanswerable questions, and may be left out.
                questions.Add(q with { ExpectAny = q.ExpectAny ?? [], SourceHint = q.SourceHint ?? "" });
            }
            catch (JsonException ex)
            {
                throw new FormatException($"{path}:{lineNumber}: not a question object ({ex.Message})", ex);
            }
        }
        return questions.Count > 0 ? questions : throw new FormatException($"{path}: no questions.");
    }
}
