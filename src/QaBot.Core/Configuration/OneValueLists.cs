using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace QaBot.Configuration;

/// <summary>
/// A list setting given one value (<c>QaBot__DirectLine__AllowedOrigins=https://news.example</c>, the way an environment
/// variable naturally says it) is that one item. The binder reads a list only from numbered keys (<c>…__0</c>,
/// <c>…__1</c>) and would ignore the value, keeping appsettings.json's list.
/// </summary>
internal static class OneValueLists
{
    public static void Apply(object options, IConfigurationSection section)
    {
        foreach (var list in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.PropertyType == typeof(List<string>) && p.SetMethod is { IsPublic: true }))
        {
            if (section[list.Name] is { Length: > 0 } one) list.SetValue(options, new List<string> { one });
        }
    }
}
