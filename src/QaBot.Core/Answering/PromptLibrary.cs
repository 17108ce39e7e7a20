using Microsoft.Extensions.Options;
using QaBot.Configuration;

namespace QaBot.Answering;

/// <summary>
/// The prompt templates, read once from <c>prompts/</c> at start-up (so they are versioned as files and reviewed like
/// code). A missing file fails start-up with its path.
/// </summary>
public sealed class PromptLibrary
{
    public PromptLibrary(IOptions<AnsweringOptions> options)
    {
        var folder = PathResolver.Resolve(options.Value.PromptsPath);
        System = Read(folder, "system.md");
        Answer = Read(folder, "answer.md");
        Rewrite = Read(folder, "rewrite.md");
    }

    public string System { get; }

    /// <summary>Placeholders: <c>{{passages}}</c>, <c>{{question}}</c>.</summary>
    public string Answer { get; }

    /// <summary>Placeholders: <c>{{history}}</c>, <c>{{question}}</c>.</summary>
    public string Rewrite { get; }

    public static string Fill(string template, IReadOnlyDictionary<string, string> values)
    {
        var result = template;
        foreach (var (key, value) in values) result = result.Replace("{{" + key + "}}", value, StringComparison.Ordinal);
        return result;
    }

    private static string Read(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        if (!File.Exists(path)) throw new OptionsValidationException(AnsweringOptions.Section, typeof(AnsweringOptions), [$"{AnsweringOptions.Section}:PromptsPath: prompt template '{path}' not found."]);
        return File.ReadAllText(path);
    }
}
