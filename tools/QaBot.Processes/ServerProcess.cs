using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace QaBot.Processes;

/// <summary>How to start the server: which build, from which folder, with which settings.</summary>
/// <param name="ServerDll">The built QaBot.Server.dll, started with <c>dotnet</c>.</param>
/// <param name="WorkingDirectory">The server's working folder (the repository root: its appsettings.json and relative paths).</param>
public sealed record ServerStart(string ServerDll, string WorkingDirectory)
{
    /// <summary>Configuration keys (<c>QaBot:State:Provider</c> or <c>QaBot__State__Provider</c>) and values, given as environment variables.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>A file for the server's output; without one it is kept in memory (<see cref="ServerProcess.Output"/>).</summary>
    public string? LogPath { get; init; }

    /// <summary>How long start-up (indexing included) may take.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Whether <see cref="ServerProcess.StartAsync"/> returns only once <c>/readyz</c> says ready (else at once).</summary>
    public bool WaitUntilReady { get; init; } = true;
}

/// <summary>
/// The real QaBot server as a process of its own on a free loopback port, so its memory, CPU and death are its own.
/// Started when /readyz says ready; killed on dispose.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TextWriter _log;
    private readonly string? _logPath;
    private TimeSpan _lastCpu;

    private ServerProcess(Process process, TextWriter log, string? logPath, Uri baseUrl)
    {
        _process = process;
        _log = log;
        _logPath = logPath;
        BaseUrl = baseUrl;
    }

    /// <summary>The server's address, with a trailing slash.</summary>
    public Uri BaseUrl { get; }

    public int Id => _process.Id;

    /// <summary>Whether the process is still running (false once it was killed or exited).</summary>
    public bool IsAlive => !_process.HasExited;

    /// <summary>What the server printed so far, from memory or from its log file.</summary>
    public string Output
    {
        get
        {
            lock (_log)
            {
                if (_logPath is null) return _log.ToString() ?? "";
                // The writer still holds the file open; read it beside the writer.
                using var reader = new StreamReader(new FileStream(_logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                return reader.ReadToEnd();
            }
        }
    }

    public static async Task<ServerProcess> StartAsync(ServerStart start, CancellationToken cancellationToken = default)
    {
        var baseUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = start.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.GetFullPath(start.ServerDll));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(baseUrl.ToString().TrimEnd('/'));
        foreach (var (key, value) in start.Settings) info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        TextWriter log = start.LogPath is null ? new StringWriter(CultureInfo.InvariantCulture) : new StreamWriter(start.LogPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        var server = new ServerProcess(process, log, start.LogPath, baseUrl);
        // Both pipes must be drained or the server blocks on a full pipe; the writer is shared, hence the lock.
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (start.WaitUntilReady) await server.WaitUntilReadyAsync(start.ReadyTimeout, cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The server exited with code {_process.ExitCode} before it was ready:\n{Output}");
            if (Stopwatch.GetElapsedTime(started) > timeout) throw new TimeoutException($"The server was not ready within {timeout}:\n{Output}");
            try
            {
                using var response = await http.GetAsync(new Uri(BaseUrl, "readyz"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception ex) when ((ex is HttpRequestException or TaskCanceledException) && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>
    /// Waits until the server has no turn queued or running (/readyz <c>queuedTurns</c>): every request it accepted
    /// before has been handled, so "no reply" is a fact, not a guess about timing.
    /// </summary>
    public async Task WaitUntilIdleAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var ready = JsonNode.Parse(await http.GetStringAsync(new Uri(BaseUrl, "readyz")))!;
            if ((int?)ready["queuedTurns"] == 0) return;
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(60)) throw new TimeoutException($"The server still had turns queued after 60 s: {ready.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Waits until the server has printed <paramref name="text"/>: the console logger writes from a queue of its own, so
    /// a line may come a moment after what it reports.
    /// </summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (Stopwatch.GetElapsedTime(started) > timeout) throw new TimeoutException($"The server did not print \"{text}\" within {timeout.TotalSeconds} s. It printed:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>Kills the process at once (SIGKILL), as a crashed or evicted instance disappears.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Stops the server as an orchestrator does (SIGTERM) and returns its exit code once it has exited.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited) Signals.Send(_process.Id, Signals.Terminate);
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Resident set size (VmRSS of /proc/&lt;pid&gt;/status), in bytes.</summary>
    public long ReadRssBytes()
    {
        if (!IsAlive) return 0;
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var kb = line["VmRSS:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
        }
        return 0; // A killed process not yet reaped (a zombie) has no memory left.
    }

    /// <summary>CPU time the server has used so far (user + system); a killed server keeps what it had used when last read.</summary>
    public TimeSpan ReadCpuTime()
    {
        if (!IsAlive) return _lastCpu;
        _process.Refresh();
        try
        {
            return _lastCpu = _process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            return _lastCpu; // It exited between the check and the read.
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.WriteLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            // Also waits for the end of both redirected pipes, so no output event can reach the log once it is closed.
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // It never started.
        }

        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}
