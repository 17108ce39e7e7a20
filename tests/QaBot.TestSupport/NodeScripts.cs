using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace QaBot.TestSupport;

/// <summary>
/// Runs a script of tests/e2e (the independent clients: Microsoft's and Slack's JavaScript packages, Chromium) with node
/// and parses the JSON report it prints last. Call <see cref="E2ePrerequisites.Require"/> first.
/// </summary>
public static class NodeScripts
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>The process and its report, whatever its exit code (a failing script's report says what failed).</summary>
    /// <param name="script">Path under tests/e2e, e.g. <c>slack/web-api-check.js</c>.</param>
    public static async Task<(ProcessResult Process, JsonObject Report)> RunAsync(string script, params string[] arguments)
    {
        var result = await Run(script, arguments);
        return (result, Report(script, result));
    }

    /// <summary>The report of a script that must exit 0; its output goes to <paramref name="output"/>.</summary>
    public static async Task<JsonObject> RunSuccessfullyAsync(ITestOutputHelper? output, string script, params string[] arguments)
    {
        var result = await Run(script, arguments);
        output?.WriteLine($"node {script}: exit {result.ExitCode}\n{result.Output}");
        Assert.True(result.ExitCode == 0, $"node {script} failed (exit {result.ExitCode}): {result.Output}");
        return Report(script, result);
    }

    private static Task<ProcessResult> Run(string script, string[] arguments) =>
        ProcessRunner.RunAsync("node", [script, .. arguments], Timeout, workingDirectory: E2ePrerequisites.E2eFolder);

    /// <summary>The JSON object that ends the output: one line, or indented over several (its opening brace unindented).</summary>
    private static JsonObject Report(string script, ProcessResult result)
    {
        var output = result.StandardOutput.TrimEnd();
        // The last line that opens an object at its first column (0 when there is no line before it).
        var start = output.LastIndexOf("\n{", StringComparison.Ordinal) + 1;
        return output.Length > start && output[start] == '{' ? JsonNode.Parse(output[start..])!.AsObject()
            : throw new InvalidOperationException($"node {script} printed no JSON report (exit {result.ExitCode}).\n{result.Output}");
    }
}
