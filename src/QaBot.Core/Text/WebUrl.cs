namespace QaBot.Text;

/// <summary>
/// The only addresses that ever leave the bot: absolute http and https URLs. An article's canonical link can say
/// <c>javascript:…</c>, <c>data:…</c> or <c>file:…</c>; such a value is dropped at ingestion and again when rendering.
/// </summary>
public static class WebUrl
{
    /// <summary>The URL in its escaped absolute form (no spaces, quotes or angle brackets), or null when it is not http(s).</summary>
    public static string? Safe(string? url) =>
        Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && uri.Host.Length > 0
            ? uri.AbsoluteUri
            : null;
}
