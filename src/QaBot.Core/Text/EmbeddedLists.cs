namespace QaBot.Text;

/// <summary>The word lists QaBot.Core carries as embedded resources (one entry a line, '#' lines are comments).</summary>
internal static class EmbeddedLists
{
    /// <summary>The entries of the list embedded as <c>QaBot.Text.<paramref name="file"/></c>.</summary>
    public static IEnumerable<string> Lines(string file, string description)
    {
        using var stream = typeof(EmbeddedLists).Assembly.GetManifestResourceStream($"QaBot.Text.{file}")
            ?? throw new InvalidOperationException($"The {description} is not embedded in QaBot.Core.");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (!line.StartsWith('#')) yield return line;
        }
    }
}
