namespace QaBot.Core.Tests.Infrastructure;

/// <summary>
/// A fact that needs data from the shared folder beside the checkout (../shared/...); skipped, saying where it looked,
/// when that data is absent.
/// </summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(params string[] pathsUnderShared)
    {
        var shared = RepositoryPaths.Shared;
        var missing = pathsUnderShared.Select(p => Path.Combine(shared, p)).Where(p => !Path.Exists(p)).ToList();
        if (missing.Count > 0) Skip = $"Shared test data not found: {string.Join(", ", missing)} (expected beside the repository, in ../shared).";
    }
}

/// <summary>A temporary folder deleted with the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "qabot-tests-" + Guid.NewGuid().ToString("N"));

    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    public string Write(string name, byte[] bytes)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A named pipe, made by the real mkfifo: opening one for reading blocks until a writer comes.</summary>
    public string Fifo(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    /// <summary>A symbolic link at <paramref name="name"/> (in this folder) to <paramref name="target"/>, as given (relative or absolute).</summary>
    public string Link(string name, string target)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.CreateSymbolicLink(path, target);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
