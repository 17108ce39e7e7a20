namespace QaBot.Configuration;

/// <summary>
/// Resolves a configured relative path (seeds/, prompts/) against the working folder first, then against the
/// application folder, where the hosts copy them; so the bot works from the repository root and from a published build.
/// </summary>
public static class PathResolver
{
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path) || Path.Exists(path)) return path;
        var besideApp = Path.Combine(AppContext.BaseDirectory, path);
        return Path.Exists(besideApp) ? besideApp : path;
    }
}
