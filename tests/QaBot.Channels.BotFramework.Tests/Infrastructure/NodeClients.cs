using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace QaBot.Channels.BotFramework.Tests.Infrastructure;

/// <summary>Runs the independent-client scripts of tests/e2e with node and parses their one JSON report.</summary>
public static class NodeClients
{
    /// <summary>
    /// The e2e folder, or null (after saying why) when its node_modules are not installed; on CI (env CI set) a missing
    /// install fails the test instead, so the independent checks cannot silently disappear.
    /// </summary>
    public static string? E2eFolder(ITestOutputHelper output)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "QaBot.sln"))) root = root.Parent;
        var e2e = root is null ? null : Path.Combine(root.FullName, "tests", "e2e");
        if (e2e is not null && Directory.Exists(Path.Combine(e2e, "node_modules", "botbuilder"))) return e2e;

        const string message = "tests/e2e/node_modules is missing: run `npm ci` in tests/e2e to enable the independent-client tests.";
        Assert.True(Environment.GetEnvironmentVariable("CI") is null, message);
        output.WriteLine("Skipped: " + message);
        return null;
    }

    public static async Task<(ProcessResult Process, JsonObject Report)> RunAsync(string e2eFolder, string script, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("node", [Path.Combine(e2eFolder, script), .. arguments], TimeSpan.FromSeconds(90), workingDirectory: e2eFolder);
        var json = result.StandardOutput.Trim();
        var report = json.StartsWith('{') ? JsonNode.Parse(json)!.AsObject() : throw new InvalidOperationException($"{script} printed no JSON report.\n{result.Output}");
        return (result, report);
    }
}
