using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using QaBot.Retrieval;

namespace QaBot.Configuration;

/// <summary>
/// Refuses settings no QaBot option has. The configuration binder ignores a misspelt key ("QaBot:Retrieval:TopKK",
/// "QaBot__Retreival__TopK"), so the setting its author meant would silently keep its default; this names it at
/// start-up instead. Hand-written because the binder's own <c>ErrorOnUnknownConfiguration</c> names neither the full
/// key nor the settings the section has.
/// </summary>
public static class UnknownSettings
{
    /// <summary>The sections under <c>QaBot</c> that some host reads; a host ignores the ones it does not use (the CLI has no channels).</summary>
    public static readonly IReadOnlyList<string> Sections =
    [
        "Corpus", "Ingestion", "Chunking", "Index", "Embedding", "Retrieval", "Answering", "Conversations", "AzureOpenAI",
        "RateLimits", "Turns", "State", "Feedback", "Bot", "Slack", "DirectLine", "Telemetry",
    ];

    private const string Root = "QaBot";

    /// <summary>The problems with <paramref name="section"/>'s keys, read as <paramref name="type"/> binds them, plus <paramref name="subsections"/> bound elsewhere.</summary>
    private static IEnumerable<string> Find(IConfigurationSection section, Type type, IReadOnlyDictionary<string, Type>? subsections = null)
    {
        var known = SettingsOf(type).Concat(subsections?.Keys ?? []).Order(StringComparer.Ordinal).ToList();
        // QaBot__Retrieval=5: the binder ignores a value given to a whole section.
        if (!string.IsNullOrEmpty(section.Value)) yield return $"{section.Path} is a section of settings, not a value ({section.Path} has: {string.Join(", ", known)}.)";
        foreach (var child in section.GetChildren())
        {
            var bound = subsections?.FirstOrDefault(s => Same(s.Key, child.Key)).Value ?? Property(type, child.Key)?.PropertyType;
            var problems = bound is null ? [Unknown(child, known)] : Walk(child, bound);
            foreach (var problem in problems) yield return problem;
        }
    }

    /// <summary>The sections under <c>QaBot</c> that are not one of <see cref="Sections"/>.</summary>
    private static IEnumerable<string> FindSections(IConfiguration configuration) =>
        configuration.GetSection(Root).GetChildren().Where(c => !Sections.Any(s => Same(s, c.Key))).Select(c => Unknown(c, Sections));

    /// <summary>Checks <typeparamref name="T"/>'s section when the host starts (registered with the options).</summary>
    internal sealed class Validator<T>(IConfiguration configuration, string section, IReadOnlyDictionary<string, Type>? subsections = null) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            Find(configuration.GetSection(section), typeof(T), subsections).ToList() is { Count: > 0 } problems
                ? ValidateOptionsResult.Fail(problems)
                : ValidateOptionsResult.Success;
    }

    /// <summary>Stands for the <c>QaBot</c> section as a whole, so the host's start-up validation checks its section names too.</summary>
    internal sealed class RootSection;

    internal sealed class RootValidator(IConfiguration configuration) : IValidateOptions<RootSection>
    {
        public ValidateOptionsResult Validate(string? name, RootSection options) =>
            FindSections(configuration).ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }

    private static IEnumerable<string> Walk(IConfigurationSection section, Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        // A type the binder sets from one string (numbers, enums, TimeSpan, Uri): nothing below it to check.
        if (IsScalar(type)) return [];
        if (ElementOf(type, typeof(IDictionary<,>), 1) is { } value) return section.GetChildren().SelectMany(c => Walk(c, value));
        if (type.IsArray) return section.GetChildren().SelectMany(c => Walk(c, type.GetElementType()!));
        if (ElementOf(type, typeof(IEnumerable<>), 0) is { } element) return section.GetChildren().SelectMany(c => Walk(c, element));
        return Find(section, type);
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));

    private static Type? ElementOf(Type type, Type generic, int argument)
    {
        var match = type.IsGenericType && type.GetGenericTypeDefinition() == generic
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);
        return match?.GetGenericArguments()[argument];
    }

    private static PropertyInfo? Property(Type type, string key) => Settings(type).FirstOrDefault(p => Same(p.Name, key));

    private static IEnumerable<string> SettingsOf(Type type) => Settings(type).Select(p => p.Name);

    /// <summary>What the binder can set: a public property with a setter, or one it fills in place (a list, a nested section); never a callback.</summary>
    private static IEnumerable<PropertyInfo> Settings(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p =>
            p.GetIndexParameters().Length == 0 && !typeof(Delegate).IsAssignableFrom(p.PropertyType)
            && (p.SetMethod is { IsPublic: true } || !IsScalar(p.PropertyType)));

    private static string Unknown(IConfigurationSection key, IEnumerable<string> known)
    {
        var parent = key.Path[..^(key.Key.Length + 1)];
        var names = known.Order(StringComparer.Ordinal).ToList();
        // A misspelling is a letter or two away from the setting meant (transposed letters count once).
        var near = names.Select(n => (Name: n, Distance: QueryCorrector.Distance(n.ToUpperInvariant(), key.Key.ToUpperInvariant(), 2)))
            .Where(n => n.Distance <= 2).OrderBy(n => n.Distance).Select(n => n.Name).FirstOrDefault();
        return $"{key.Path} is not a setting QaBot reads"
            + (near is null ? "" : $"; did you mean {parent}:{near}?")
            + $" ({parent} has: {string.Join(", ", names)}.)";
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
