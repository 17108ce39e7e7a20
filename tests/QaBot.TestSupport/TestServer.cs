using QaBot.Processes;

namespace QaBot.TestSupport;

/// <summary>
/// The real QaBot server (QaBot.Server.dll of the test's output) as a process of its own, run from the repository root
/// with its appsettings.json and the given settings, indexing only seeds/ without persisting the index. Its output is
/// kept in memory for failure messages.
/// </summary>
public static class TestServer
{
    /// <param name="settings">Configuration keys (<c>QaBot:State:Provider</c>) and their values.</param>
    /// <param name="waitUntilReady">Whether to return only once it is ready (else as soon as the process runs).</param>
    public static Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> settings, bool waitUntilReady = true)
    {
        var all = new Dictionary<string, string>
        {
            ["QaBot:Corpus:Paths:0"] = RepositoryPaths.Seeds,
            ["QaBot:Index:Persist"] = "false",
        };
        foreach (var (key, value) in settings) all[key] = value;
        return ServerProcess.StartAsync(new ServerStart(Path.Combine(AppContext.BaseDirectory, "QaBot.Server.dll"), RepositoryPaths.Root) { Settings = all, WaitUntilReady = waitUntilReady });
    }
}
