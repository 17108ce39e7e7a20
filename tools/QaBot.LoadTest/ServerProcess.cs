using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace QaBot.LoadTest;

/// <summary>
/// The real QaBot server as a separate process on a free loopback port, in Bot Framework Emulator mode (no app id), so
/// its memory and CPU are its own and can be read from /proc.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private TimeSpan _lastCpu;

    private ServerProcess(Process process, StreamWriter log, Uri baseUrl)
    {
        _process = process;
        _log = log;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public int Id => _process.Id;

    /// <summary>Whether the process is still running (false once it was killed or exited).</summary>
    public bool IsAlive => !_process.HasExited;

    /// <param name="replica">The replica's number; each replica after the first logs to its own file.</param>
    /// <param name="environment">Settings of this run on top of the caller's <see cref="LoadOptions.ServerEnvironment"/>.</param>
    public static async Task<ServerProcess> StartAsync(LoadOptions options, int replica, IReadOnlyDictionary<string, string> environment,
        HttpClient http, ILogger logger, CancellationToken cancellationToken)
    {
        var baseUrl = new Uri($"http://127.0.0.1:{FreeLoopbackPort()}/");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = options.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.GetFullPath(options.ServerDll));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseUrl.ToString().TrimEnd('/'));
        // Emulator mode whatever the caller's environment says: replies may then only go to loopback, i.e. to our sink.
        start.Environment["QaBot__Bot__MicrosoftAppId"] = "";
        for (var i = 0; i < options.CorpusPaths.Count; i++) start.Environment[$"QaBot__Corpus__Paths__{i}"] = options.CorpusPaths[i];
        foreach (var (key, value) in options.ServerEnvironment.Concat(environment)) start.Environment[key] = value;

        var logPath = replica == 0 ? options.ServerLog : $"{options.ServerLog}.{replica}";
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        // Both pipes must be drained or the server blocks on a full pipe; the writer is shared, hence the lock.
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, log, baseUrl);
        LogStarted(logger, process.Id, baseUrl, logPath);
        try
        {
            await server.WaitUntilReadyAsync(http, options.ReadyTimeout, cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private async Task WaitUntilReadyAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var readyz = new Uri(BaseUrl, "readyz");
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The server exited with code {_process.ExitCode} before it was ready; see its log.");
            try
            {
                using var response = await http.GetAsync(readyz, cts.Token);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cts.Token);
        }
    }

    /// <summary>Kills the process at once (SIGKILL), as a crashed or evicted instance disappears.</summary>
    public void Kill() => _process.Kill();

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

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        // Also waits for the end of both redirected pipes, so no output event can reach the log once it is closed.
        await _process.WaitForExitAsync();
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    private static void Append(StreamWriter log, string? line)
    {
        if (line is null) return;
        lock (log) log.WriteLine(line);
    }

    /// <summary>A port the OS reports free; the server binds it a moment later (a race only another binder could lose us).</summary>
    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started the server (pid {Pid}) at {BaseUrl}; its output goes to {Log}")]
    private static partial void LogStarted(ILogger logger, int pid, Uri baseUrl, string log);
}
