namespace QaBot.TestSupport;

/// <summary>
/// What the tests driving tests/e2e (Microsoft's and Slack's JavaScript clients, Chromium) need. When something is
/// missing the test is reported as Skipped with the reason; under CI (env CI set) it fails instead, so the independent
/// checks cannot silently disappear. Referenced by each test project that runs those clients.
/// </summary>
public static class E2ePrerequisites
{
    public static string E2eFolder { get; } = Path.Combine(RepositoryPaths.Root, "tests", "e2e");

    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    /// <summary>
    /// Returns the e2e folder when <c>node_modules/<paramref name="package"/></c> (and Chromium, when
    /// <paramref name="chromium"/>) are there; otherwise skips the calling <c>[SkippableFact]</c>, or fails it under CI.
    /// </summary>
    public static string Require(string package, bool chromium = false)
    {
        var missing = new List<string>();
        if (!Directory.Exists(Path.Combine(E2eFolder, "node_modules", package))) missing.Add($"{E2eFolder}/node_modules/{package} (run: cd tests/e2e && npm ci)");
        if (chromium && !File.Exists(ChromiumPath)) missing.Add($"{ChromiumPath} (run: apt-get install -y chromium)");
        if (missing.Count == 0) return E2eFolder;

        var reason = "Not run, missing: " + string.Join("; ", missing);
        Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")), reason);
        Skip.If(true, reason);
        return E2eFolder;
    }
}
