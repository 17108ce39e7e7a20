using System.Diagnostics;
using QaBot.Processes;
using StackExchange.Redis;

namespace QaBot.TestSupport;

/// <summary>
/// A real redis-server (Debian's, installed by .ci/run) on a free loopback port, without persistence, in a temporary
/// folder deleted on dispose. When it is not installed the calling <c>[SkippableFact]</c> is skipped, or fails under CI.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/redis-server";

    private readonly Process _process;
    private readonly string _folder;

    private RedisServer(Process process, string folder, int port, ConnectionMultiplexer connection)
    {
        _process = process;
        _folder = folder;
        Configuration = $"127.0.0.1:{port}";
        Connection = connection;
    }

    /// <summary>The StackExchange.Redis configuration string, as <c>QaBot:State:Redis:Configuration</c> takes it.</summary>
    public string Configuration { get; }

    /// <summary>A connection of the test's own, to look at what the servers stored.</summary>
    public ConnectionMultiplexer Connection { get; }

    public static async Task<RedisServer> StartAsync()
    {
        if (!File.Exists(Executable))
        {
            var reason = $"Not run, missing: {Executable} (run: apt-get install -y redis-server)";
            Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")), reason);
            Skip.If(true, reason);
        }

        var folder = Directory.CreateTempSubdirectory("qabot-redis-").FullName;
        var port = FreePort.Next();
        var start = new ProcessStartInfo(Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var argument in new[] { "--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder, "--daemonize", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        // Drained so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=1000");
                await connection.GetDatabase().PingAsync();
                return new RedisServer(process, folder, port, connection);
            }
            catch (RedisConnectionException) when (!timeout.IsCancellationRequested && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
