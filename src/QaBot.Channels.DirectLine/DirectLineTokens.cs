using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using QaBot.State;
using StackExchange.Redis;

namespace QaBot.Channels.DirectLine;

/// <summary>What a valid token grants: one conversation, as one user.</summary>
public sealed record DirectLineGrant(string ConversationId, string UserId, DateTimeOffset Expires, string? Watermark = null);

/// <summary>Why a token was refused; each maps to its own status code and message.</summary>
public enum TokenRejection
{
    Missing,
    Invalid,
    Expired,
}

/// <summary>The outcome of a token check: a grant, or the reason there is none.</summary>
public sealed record TokenCheck(DirectLineGrant? Grant, TokenRejection? Rejection);

/// <summary>
/// Issues and checks the HMAC-signed JWTs that bind a client to one conversation. They are JWTs because Web Chat reads
/// the user id from the <c>user</c> claim. Conversation tokens authorise REST calls; stream tokens (a different
/// audience, minutes long) pre-authorise a WebSocket <c>streamUrl</c>, since browsers cannot send headers there.
/// </summary>
public sealed class DirectLineTokens
{
    private const string Issuer = "qabot-directline";
    private const string ConversationAudience = "qabot-directline";
    private const string StreamAudience = "qabot-directline-stream";
    private const string ConversationClaim = "conv";
    private const string UserClaim = "user";
    private const string WatermarkClaim = "wm";

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _credentials;
    private readonly TokenValidationParameters _conversationParameters;
    private readonly TokenValidationParameters _streamParameters;
    private readonly TimeProvider _time;
    private readonly DirectLineOptions _options;
    private readonly byte[]? _secretHash;

    /// <param name="sharedKey">Without a secret: the key all replicas sign with (kept in Redis); null signs with a key of this process.</param>
    public DirectLineTokens(IOptions<DirectLineOptions> options, TimeProvider time, byte[]? sharedKey = null)
    {
        _options = options.Value;
        _time = time;
        _secretHash = _options.Secret is { } secret ? SHA256.HashData(Encoding.UTF8.GetBytes(secret)) : null;
        var key = new SymmetricSecurityKey(SigningKey(_options.Secret, sharedKey));
        _credentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
        _conversationParameters = Parameters(key, ConversationAudience);
        _streamParameters = Parameters(key, StreamAudience);
    }

    public string IssueConversationToken(string conversationId, string userId, out DateTimeOffset expires)
    {
        expires = _time.GetUtcNow() + _options.TokenLifetime;
        return Issue(ConversationAudience, conversationId, userId, expires, watermark: null);
    }

    /// <summary>A token for the <c>streamUrl</c>; the watermark says where the stream resumes.</summary>
    public string IssueStreamToken(string conversationId, string userId, string? watermark) =>
        Issue(StreamAudience, conversationId, userId, _time.GetUtcNow() + _options.StreamUrlLifetime, watermark);

    public Task<TokenCheck> ValidateConversationTokenAsync(string? token) => ValidateAsync(token, _conversationParameters);

    public Task<TokenCheck> ValidateStreamTokenAsync(string? token) => ValidateAsync(token, _streamParameters);

    /// <summary>True when <paramref name="candidate"/> is the configured secret (constant time; hashing hides the length too).</summary>
    public bool IsSecret(string? candidate) =>
        _secretHash is not null && candidate is not null
        && CryptographicOperations.FixedTimeEquals(_secretHash, SHA256.HashData(Encoding.UTF8.GetBytes(candidate)));

    private string Issue(string audience, string conversationId, string userId, DateTimeOffset expires, string? watermark)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object> { [ConversationClaim] = conversationId, [UserClaim] = userId };
        if (watermark is not null) claims[WatermarkClaim] = watermark;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires.UtcDateTime,
            Claims = claims,
            SigningCredentials = _credentials,
        });
    }

    private async Task<TokenCheck> ValidateAsync(string? token, TokenValidationParameters parameters)
    {
        if (string.IsNullOrWhiteSpace(token)) return new TokenCheck(null, TokenRejection.Missing);
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt
            || !jwt.TryGetPayloadValue<string>(ConversationClaim, out var conversationId)
            || !jwt.TryGetPayloadValue<string>(UserClaim, out var userId))
        {
            return new TokenCheck(null, TokenRejection.Invalid);
        }

        // Lifetime is checked here, against the injected clock, so expiry is testable and exact (no clock skew: we issued it).
        var expires = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        if (expires <= _time.GetUtcNow()) return new TokenCheck(null, TokenRejection.Expired);
        jwt.TryGetPayloadValue<string>(WatermarkClaim, out var watermark);
        return new TokenCheck(new DirectLineGrant(conversationId, userId, expires, watermark), null);
    }

    /// <summary>
    /// The signing key replicas without a secret share: the first replica stores a random one (set-if-absent), all read it.
    /// Whoever can read QaBot's Redis keys could mint tokens, as whoever can read the configured secret.
    /// </summary>
    public static async Task<byte[]> SharedKeyAsync(IConnectionMultiplexer redis)
    {
        var db = redis.GetDatabase();
        RedisKey key = StateServiceCollectionExtensions.KeyPrefix + "directline:signing-key";
        await db.StringSetAsync(key, RandomNumberGenerator.GetBytes(32), when: When.NotExists);
        return (byte[])(await db.StringGetAsync(key))!;
    }

    private static TokenValidationParameters Parameters(SecurityKey key, string audience) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = audience,
        IssuerSigningKey = key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateLifetime = false,
        RequireExpirationTime = true,
    };

    // With a secret, tokens stay valid across restarts and instances; without one, replicas share a random key kept in
    // Redis, and a single instance's random key limits them to this process.
    private static byte[] SigningKey(string? secret, byte[]? sharedKey) => secret is null
        ? sharedKey ?? RandomNumberGenerator.GetBytes(32)
        : HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, salt: [], info: "QaBot Direct Line token signing"u8.ToArray());
}
