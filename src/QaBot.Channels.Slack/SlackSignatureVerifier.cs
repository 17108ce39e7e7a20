using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace QaBot.Channels.Slack;

/// <summary>The outcome of checking a request's Slack signature.</summary>
public enum SlackSignatureCheck
{
    Valid,
    MissingOrMalformedHeaders,
    StaleTimestamp,
    BadSignature,
}

/// <summary>
/// Verifies Slack's request signature: <c>v0=</c> + hex HMAC-SHA256 of <c>v0:{timestamp}:{raw body}</c> keyed with the
/// signing secret, and rejects timestamps more than five minutes away so a captured request cannot be replayed.
/// </summary>
public sealed class SlackSignatureVerifier(IOptions<SlackOptions> options, TimeProvider time)
{
    public const string SignatureHeader = "X-Slack-Signature";
    public const string TimestampHeader = "X-Slack-Request-Timestamp";
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    public SlackSignatureCheck Verify(string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(signature) || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return SlackSignatureCheck.MissingOrMalformedHeaders;
        }

        // Stricter than Bolt, which only rejects old requests: a timestamp from the future is as suspicious.
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var tolerance = (long)MaxAge.TotalSeconds;
        if (seconds < now - tolerance || seconds > now + tolerance)
        {
            return SlackSignatureCheck.StaleTimestamp;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(options.Value.SigningSecret!, timestamp!, body));
        var actual = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, actual) ? SlackSignatureCheck.Valid : SlackSignatureCheck.BadSignature;
    }

    /// <summary>The <c>X-Slack-Signature</c> value Slack sends for <paramref name="body"/> at <paramref name="timestamp"/>.</summary>
    public static string Sign(string signingSecret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes($"v0:{timestamp}:");
        var baseString = new byte[prefix.Length + body.Length];
        prefix.CopyTo(baseString, 0);
        body.CopyTo(baseString.AsSpan(prefix.Length));
        return "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingSecret), baseString));
    }
}
