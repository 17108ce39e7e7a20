using System.Text.Json;

namespace QaBot.Text;

/// <summary>A client's JSON mistake told in the client's terms: what is wrong and where, never the serializer's .NET type names.</summary>
public static class JsonErrors
{
    public static string Describe(JsonException ex)
    {
        var what = ex.InnerException is InvalidOperationException { Message: var inner } && inner.Contains("UTF-8", StringComparison.Ordinal)
            ? "text that is not valid UTF-8"
            : ex.Message.Contains("could not be converted", StringComparison.Ordinal)
                ? "a value of the wrong JSON type"
                : ex.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd(' ', '|');
        var where = ex.Path is { Length: > 1 } path ? $" at {path}" : "";
        return ex.LineNumber is { } line ? $"{what}{where} (line {line + 1}, byte {ex.BytePositionInLine + 1})" : what + where;
    }
}
