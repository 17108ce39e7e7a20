using System.Net;
using System.Net.Sockets;

namespace QaBot.Channels.BotFramework.Tests.Infrastructure;

/// <summary>
/// A loopback port that accepts connections and never answers: an upstream that hangs rather than refuses (metadata
/// endpoints, or a dead channel's serviceUrl).
/// </summary>
public sealed class SilentServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _connections = [];
    private readonly CancellationTokenSource _stop = new();

    public SilentServer()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>As a Bot Framework serviceUrl (no trailing slash).</summary>
    public string ServiceUrl => Url.ToString().TrimEnd('/');

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_connections) _connections.Add(client);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_connections) _connections.ForEach(c => c.Dispose());
    }
}
