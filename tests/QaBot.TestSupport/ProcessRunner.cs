using System.Diagnostics;
using System.Text;
using QaBot.Processes;

namespace QaBot.TestSupport;

public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => StandardOutput + StandardError;
}

/// <summary>Runs a real process (node, the server, the CLI) to completion, killing it if it outlives the timeout.</summary>
public static class ProcessRunner
{
    /// <param name="interruptAfter">When set, the process gets SIGINT (as from Ctrl-C) this long after it started.</param>
    /// <param name="input">When set, piped to the process's standard input, which is then closed.</param>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, TimeSpan? interruptAfter = null, string? input = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // QaBot settings come only from the test: one inherited from whoever runs the tests (an Azure key, an index
        // folder) would change what the process does.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("QaBot__", StringComparison.OrdinalIgnoreCase)).ToList()) start.Environment.Remove(key);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            if (interruptAfter is { } delay)
            {
                await Task.WhenAny(process.WaitForExitAsync(cts.Token), Task.Delay(delay, cts.Token));
                if (!process.HasExited) Signals.Send(process.Id, Signals.Interrupt);
            }
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }
        process.WaitForExit(); // Flushes the redirected streams.
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
