using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace QaBot.Channels.DirectLine.Tests.Infrastructure;

/// <summary>
/// Runs a script of tests/e2e (independent clients: Microsoft's botframework-directlinejs, Chromium via playwright-core)
/// and returns the JSON line it prints. Without node_modules or Chromium the test fails when CI is set and otherwise
/// returns null after saying why.
/// </summary>
public static class NodeScript
{
    public static readonly string RepositoryRoot = FindRepositoryRoot();

    public static readonly string E2eFolder = Path.Combine(RepositoryRoot, "tests", "e2e");

    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    /// <summary>Null when the prerequisites are all there; otherwise what is missing (and the test fails under CI).</summary>
    public static string? Missing(ITestOutputHelper output, bool needsChromium)
    {
        var missing = new List<string>();
        if (!Directory.Exists(Path.Combine(E2eFolder, "node_modules"))) missing.Add($"{E2eFolder}/node_modules (run: cd tests/e2e && npm ci)");
        if (needsChromium && !File.Exists(ChromiumPath)) missing.Add($"{ChromiumPath} (run: apt-get install -y chromium)");
        if (missing.Count == 0) return null;

        var message = "Not run, missing: " + string.Join("; ", missing);
        Assert.True(Environment.GetEnvironmentVariable("CI") is null, message);
        output.WriteLine(message);
        return message;
    }

    public static async Task<JsonObject> RunAsync(ITestOutputHelper output, string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = E2eFolder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish within 90 s.");
        }

        output.WriteLine($"node {script}: exit {process.ExitCode}\n{await stderr}\n{await stdout}");
        Assert.True(process.ExitCode == 0, $"node {script} failed (exit {process.ExitCode}): {await stderr}");
        var lastLine = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        return JsonNode.Parse(lastLine)!.AsObject();
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "QaBot.sln"))) return folder.FullName;
        }

        throw new InvalidOperationException($"QaBot.sln not found above {AppContext.BaseDirectory}.");
    }
}
