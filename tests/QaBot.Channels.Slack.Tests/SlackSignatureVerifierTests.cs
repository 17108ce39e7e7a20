using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace QaBot.Channels.Slack.Tests;

public sealed class SlackSignatureVerifierTests
{
    // Slack's worked example from "Verifying requests from Slack" (re-computed with openssl dgst -sha256 -hmac).
    private const string DocSecret = "8f742231b10e8888abcd99yyyzzz85a5";
    private const string DocTimestamp = "1531420618";
    private const string DocBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    private const string DocSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1531420618));

    private SlackSignatureVerifier Verifier(string secret = DocSecret) =>
        new(Options.Create(new SlackOptions { SigningSecret = secret, BotToken = "xoxb-x" }), _time);

    [Fact]
    public void Slack_documentation_example_signs_to_the_published_signature() =>
        Assert.Equal(DocSignature, SlackSignatureVerifier.Sign(DocSecret, DocTimestamp, Encoding.UTF8.GetBytes(DocBody)));

    [Fact]
    public void Slack_documentation_example_is_accepted_at_its_own_time() =>
        Assert.Equal(SlackSignatureCheck.Valid, Verifier().Verify(DocTimestamp, DocSignature, Encoding.UTF8.GetBytes(DocBody)));

    [Theory]
    // Independent vectors: openssl dgst -sha256 -hmac <secret> over "v0:<timestamp>:<body>".
    [InlineData("s3cr3t", "1700000000", "{\"type\":\"url_verification\",\"challenge\":\"abc\"}", "v0=1bbe193b29fff7e55cf8d97f191d5cef2a59b06ade4d69f9b633f73949c96e0a")]
    [InlineData("ключ-secret", "1700000001", "{\"text\":\"café – 24.2%\"}", "v0=50acac9871886bfa2e76eedbe488d54432afcf589ebc4d561f88afebb021dfee")]
    public void Own_vectors_match_openssl(string secret, string timestamp, string body, string expected) =>
        Assert.Equal(expected, SlackSignatureVerifier.Sign(secret, timestamp, Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void A_changed_body_is_rejected() =>
        Assert.Equal(SlackSignatureCheck.BadSignature, Verifier().Verify(DocTimestamp, DocSignature, Encoding.UTF8.GetBytes(DocBody + "&x=1")));

    [Fact]
    public void Another_secret_is_rejected() =>
        Assert.Equal(SlackSignatureCheck.BadSignature, Verifier("another-secret").Verify(DocTimestamp, DocSignature, Encoding.UTF8.GetBytes(DocBody)));

    [Fact]
    public void A_truncated_signature_is_rejected() =>
        Assert.Equal(SlackSignatureCheck.BadSignature, Verifier().Verify(DocTimestamp, DocSignature[..^2], Encoding.UTF8.GetBytes(DocBody)));

    [Theory]
    [InlineData(299, SlackSignatureCheck.Valid)]
    [InlineData(301, SlackSignatureCheck.StaleTimestamp)]
    [InlineData(-301, SlackSignatureCheck.StaleTimestamp)]
    public void Timestamps_more_than_five_minutes_away_are_replays(int secondsLater, SlackSignatureCheck expected)
    {
        var later = new FakeTimeProvider(_time.GetUtcNow().AddSeconds(secondsLater));
        var verifier = new SlackSignatureVerifier(Options.Create(new SlackOptions { SigningSecret = DocSecret, BotToken = "xoxb-x" }), later);
        Assert.Equal(expected, verifier.Verify(DocTimestamp, DocSignature, Encoding.UTF8.GetBytes(DocBody)));
    }

    [Theory]
    [InlineData(null, DocSignature)]
    [InlineData(DocTimestamp, null)]
    [InlineData("not-a-number", DocSignature)]
    [InlineData("-1531420618", DocSignature)]
    public void Missing_or_malformed_headers_are_rejected(string? timestamp, string? signature) =>
        Assert.Equal(SlackSignatureCheck.MissingOrMalformedHeaders, Verifier().Verify(timestamp, signature, Encoding.UTF8.GetBytes(DocBody)));
}
