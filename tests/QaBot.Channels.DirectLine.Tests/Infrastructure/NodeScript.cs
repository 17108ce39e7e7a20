using System.Diagnostics;
using System.Text.Json.Nodes;
using QaBot.TestSupport;
using Xunit.Abstractions;

namespace QaBot.Channels.DirectLine.Tests.Infrastructure;

/// <summary>
/// Runs a script of tests/e2e (independent clients: Microsoft's botframework-directlinejs, Chromium via playwright-core)
/// and returns the JSON line it prints. Check <see cref="E2ePrerequisites.Require"/> first.
/// </summary>
public static class NodeScript
{
    public static async Task<JsonObject> RunAsync(ITestOutputHelper output, string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = E2ePrerequisites.E2eFolder, RedirectStandardOutput = true, RedirectStandardError = true };
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
}
