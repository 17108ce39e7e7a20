using System.Net;
using System.Net.Sockets;

namespace QaBot.Processes;

public static class FreePort
{
    /// <summary>A loopback port the OS reports free; the caller binds it a moment later (a race only another binder could win).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
