namespace QaBot.Server;

/// <summary>What the server's <c>--urls</c> / <c>ASPNETCORE_URLS</c> make Kestrel listen on.</summary>
public static partial class ListenAddresses
{
    /// <summary>
    /// The URLs of <paramref name="urls"/> (semicolon-separated) whose host is a name other than localhost: Kestrel
    /// cannot bind a name, so it listens on every interface, while whoever wrote one meant a single interface.
    /// </summary>
    public static IEnumerable<string> OnEveryInterfaceByName(string urls) =>
        urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.HostNameType == UriHostNameType.Dns
                && !string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase));

    /// <summary>Warns about each of <see cref="OnEveryInterfaceByName"/>.</summary>
    public static void WarnAboutNames(ILogger logger, string urls)
    {
        foreach (var url in OnEveryInterfaceByName(urls)) LogEveryInterface(logger, url);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url} names a host, which Kestrel cannot bind: it listens on every interface instead. To listen on one, give its IP address (127.0.0.1 for this machine only) or localhost; 0.0.0.0 or * says every interface on purpose")]
    private static partial void LogEveryInterface(ILogger logger, string url);
}
