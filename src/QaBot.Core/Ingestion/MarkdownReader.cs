using System.Text.RegularExpressions;

namespace QaBot.Ingestion;

/// <summary>Markdown to plain text: the first "# " heading becomes the title; links keep their text; markup is dropped.</summary>
public sealed partial class MarkdownReader : IDocumentReader
{
    public IReadOnlyCollection<string> Extensions { get; } = [".md", ".markdown"];

    public Task<RawDocument> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var text = TextFile.Read(path, cancellationToken);
        string? title = null;
        var lines = new List<string>();
        var inFence = false;
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }
            if (inFence)
            {
                lines.Add(line);
                continue;
            }
            var heading = Heading().Match(line);
            if (heading.Success)
            {
                var h = Inline(heading.Groups[2].Value);
                if (title is null && heading.Groups[1].Length == 1) title = h;
                else lines.AddRange(["", h, ""]);
                continue;
            }
            lines.Add(Inline(ListMarker().Replace(line, "")));
        }
        return Task.FromResult(new RawDocument(string.Join('\n', lines), title));
    }

    private static string Inline(string s)
    {
        s = Image().Replace(s, "$1");
        s = Link().Replace(s, "$1");
        return Emphasis().Replace(s, "");
    }

    [GeneratedRegex(@"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^\s*(?:[-*+]|\d+[.)]|>)\s+")]
    private static partial Regex ListMarker();

    // Linear-time matching: a backtracking scan restarts at every '[' of a line that never closes one (8 s per MB).
    [GeneratedRegex(@"!\[([^\]]*)\]\([^)]*\)", RegexOptions.NonBacktracking)]
    private static partial Regex Image();

    [GeneratedRegex(@"\[([^\]]+)\]\([^)]*\)", RegexOptions.NonBacktracking)]
    private static partial Regex Link();

    [GeneratedRegex(@"(\*\*|__|`|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))")]
    private static partial Regex Emphasis();
}
