namespace QaBot.TestSupport;

/// <summary>Where the repository's own files live, found from the test assembly so tests run from any working folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Seeds => Path.Combine(Root, "seeds");

    public static string Prompts => Path.Combine(Root, "prompts");

    public static string Weights => Path.Combine(Root, "calibration", "answerer.json");

    public static string AppSettings => Path.Combine(Root, "appsettings.json");

    /// <summary>The shared material sits beside the checkout (../shared), not inside it.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string BbcCorpus => Path.Combine(Shared, "corpora", "bbc");

    public static string EvalSet(string fileName) => Path.Combine(Shared, "eval", fileName);

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "QaBot.sln"))) return folder.FullName;
        }
        throw new InvalidOperationException($"QaBot.sln not found above {AppContext.BaseDirectory}.");
    }
}
