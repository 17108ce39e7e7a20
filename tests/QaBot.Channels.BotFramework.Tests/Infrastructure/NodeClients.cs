using System.Text.Json.Nodes;
using QaBot.TestSupport;

namespace QaBot.Channels.BotFramework.Tests.Infrastructure;

/// <summary>Runs the independent-client scripts of tests/e2e with node and parses their one JSON report.</summary>
public static class NodeClients
{
    public static async Task<(ProcessResult Process, JsonObject Report)> RunAsync(string e2eFolder, string script, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("node", [Path.Combine(e2eFolder, script), .. arguments], TimeSpan.FromSeconds(90), workingDirectory: e2eFolder);
        var json = result.StandardOutput.Trim();
        var report = json.StartsWith('{') ? JsonNode.Parse(json)!.AsObject() : throw new InvalidOperationException($"{script} printed no JSON report.\n{result.Output}");
        return (result, report);
    }
}
