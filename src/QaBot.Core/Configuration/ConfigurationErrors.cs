using Microsoft.Extensions.Options;

namespace QaBot.Configuration;

/// <summary>
/// What a bad setting raises at start-up, as one line per problem naming the key ("QaBot:Slack:BotToken must be set
/// too: …"), for hosts that print it instead of a stack trace.
/// </summary>
public static class ConfigurationErrors
{
    // The configuration binder's message for a value of the wrong type; it names the key ("… 'abc' at 'QaBot:Chunking:MaxChars' to type …").
    private const string BinderPrefix = "Failed to convert configuration value";

    /// <summary>The problems <paramref name="exception"/> reports, or null when it is not a configuration error.</summary>
    public static IReadOnlyList<string>? Describe(Exception exception) => exception switch
    {
        OptionsValidationException invalid => [.. invalid.Failures],
        InvalidOperationException bind when bind.Message.StartsWith(BinderPrefix, StringComparison.Ordinal) => [bind.Message],
        // One bad section can fail several validations (options built from other options), hence Distinct.
        AggregateException many when many.InnerExceptions.Select(Describe).ToList() is var parts && parts.All(p => p is not null) =>
            [.. parts.SelectMany(p => p!).Distinct()],
        _ => null,
    };

    /// <summary>Writes each problem as <c>Configuration error: …</c> on its own line.</summary>
    public static void Write(TextWriter writer, IReadOnlyList<string> problems)
    {
        foreach (var problem in problems) writer.WriteLine("Configuration error: " + problem);
    }
}
