using System.Net;
using System.Net.Sockets;

namespace QaBot.Channels.BotFramework.Tests.Infrastructure;

/// <summary>A serviceUrl on a loopback port that accepts connections and never answers: a hung channel.</summary>
public sealed class DeadChannel : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _held = [];
    private readonly Task _accepting;

    public DeadChannel()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string ServiceUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync();
                lock (_held) _held.Add(client);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _accepting;
        lock (_held) _held.ForEach(c => c.Dispose());
    }
}
