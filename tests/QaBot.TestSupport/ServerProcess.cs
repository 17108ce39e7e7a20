using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace QaBot.TestSupport;

/// <summary>
/// The real QaBot server (QaBot.Server.dll of the test's output) as a process of its own on a free loopback port, run
/// from the repository root with its appsettings.json and the given settings, indexing only seeds/ without persisting
/// the index. Started when /readyz says ready; killed on dispose. Its output is kept for failure messages.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    /// <summary>The server's address, with a trailing slash.</summary>
    public Uri BaseUrl { get; }

    /// <summary>What the server printed so far.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <param name="settings">Configuration keys (<c>QaBot:State:Provider</c>) and their values.</param>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var baseUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = E2ePrerequisites.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "QaBot.Server.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseUrl.ToString().TrimEnd('/'));
        var environment = new Dictionary<string, string>
        {
            ["QaBot:Corpus:Paths:0"] = Path.Combine(E2ePrerequisites.RepositoryRoot, "seeds"),
            ["QaBot:Index:Persist"] = "false",
        };
        foreach (var (key, value) in settings) environment[key] = value;
        foreach (var (key, value) in environment) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process, baseUrl);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The server exited with code {_process.ExitCode} before it was ready:\n{Output}");
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"The server was not ready within 3 minutes:\n{Output}");
            try
            {
                using var response = await http.GetAsync(new Uri(BaseUrl, "readyz"));
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Waits until the server has no turn queued or running (/readyz <c>queuedTurns</c>): every request it accepted
    /// before has been handled, so "no reply" is a fact, not a guess about timing.
    /// </summary>
    public async Task WaitUntilIdleAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var ready = JsonNode.Parse(await http.GetStringAsync(new Uri(BaseUrl, "readyz")))!;
            if ((int?)ready["queuedTurns"] == 0) return;
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"The server still had turns queued after 60 s: {ready.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
