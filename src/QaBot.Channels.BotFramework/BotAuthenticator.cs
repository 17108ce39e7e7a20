using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;

namespace QaBot.Channels.BotFramework;

/// <summary>
/// Checks the Bot Connector's JWT on an inbound activity (AuthDoc "Authenticate requests from the Bot Connector service",
/// BFC channelValidation/emulatorValidation): signature by a published key, issuer, audience = app id, lifetime with
/// 5 minutes of skew; for channel tokens also the signing key's channel endorsements and the serviceurl claim, which both
/// need the activity and so are checked here rather than in JwtBearer middleware.
/// </summary>
public sealed partial class BotAuthenticator
{
    public const string ChannelIssuer = "https://api.botframework.com";

    /// <summary>The Entra issuers of Emulator tokens (BFC <c>ToBotFromEmulatorTokenValidationParameters</c>).</summary>
    private static readonly string[] EmulatorIssuers =
    [
        "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/",
        "https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0",
        "https://sts.windows.net/f8cdef31-a31e-4b4a-93e4-5f571e91255a/",
        "https://login.microsoftonline.com/f8cdef31-a31e-4b4a-93e4-5f571e91255a/v2.0",
        "https://sts.windows.net/69e9b82d-4842-4902-8d1e-abc5b98a55e8/",
        "https://login.microsoftonline.com/69e9b82d-4842-4902-8d1e-abc5b98a55e8/v2.0",
    ];

    private static readonly string[] Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512];

    private readonly BotOptions _options;
    private readonly SigningKeySource _channelKeys;
    private readonly SigningKeySource _emulatorKeys;
    private readonly string[] _emulatorIssuers;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly ILogger<BotAuthenticator> _logger;

    public BotAuthenticator(IOptions<BotOptions> options, IHttpClientFactory httpClients, TimeProvider time, ILogger<BotAuthenticator> logger)
    {
        _options = options.Value;
        _logger = logger;
        var documents = new HttpDocumentRetriever(httpClients.CreateClient(BotFrameworkChannelExtensions.MetadataHttpClient))
        {
            RequireHttps = _options.RequireHttpsMetadata,
        };
        _channelKeys = KeySource(_options.OpenIdMetadataUrl.ToString());
        _emulatorKeys = KeySource(_options.EmulatorOpenIdMetadataUrl.ToString());
        _emulatorIssuers = _options.MicrosoftAppTenantId is { Length: > 0 } tenant
            ? [.. EmulatorIssuers, $"https://sts.windows.net/{tenant}/", $"https://login.microsoftonline.com/{tenant}/v2.0"]
            : EmulatorIssuers;

        SigningKeySource KeySource(string address) =>
            new(new ConfigurationManager<BotSigningKeys>(address, new BotSigningKeysRetriever(), documents), address, time, logger);
    }

    /// <summary>Null when the request may proceed, else why it may not (for the 401 response and the log).</summary>
    public async Task<string?> AuthenticateAsync(string? authorization, Activity activity, CancellationToken cancellationToken)
    {
        if (_options.IsAnonymous) return null;
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return "A Bot Connector bearer token is required (Authorization: Bearer …).";
        var token = authorization["Bearer ".Length..].Trim();
        if (!TryReadIssuer(token, out var issuer)) return "The bearer token is not a JWT.";

        string? failure;
        try
        {
            failure = _emulatorIssuers.Contains(issuer, StringComparer.Ordinal)
                ? await ValidateEmulatorTokenAsync(token, cancellationToken)
                : await ValidateChannelTokenAsync(token, activity, cancellationToken);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException)
        {
            // The handler reports most failures in its result; a token odd enough to make it throw is still the caller's fault.
            failure = "The bearer token is not valid.";
        }
        if (failure is not null) LogRejected(_logger, activity.ChannelId, failure);
        return failure;
    }

    /// <summary>Three dot-separated parts make <see cref="JsonWebTokenHandler.CanReadToken"/> true; only decoding them tells a JWT.</summary>
    private bool TryReadIssuer(string token, out string issuer)
    {
        issuer = "";
        if (!_handler.CanReadToken(token)) return false;
        try
        {
            issuer = _handler.ReadJsonWebToken(token).Issuer;
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException)
        {
            return false;
        }
    }

    private async Task<string?> ValidateChannelTokenAsync(string token, Activity activity, CancellationToken cancellationToken)
    {
        if (await ValidateAsync(token, _channelKeys, [ChannelIssuer], cancellationToken) is not ({ } result, { } keys)) return KeysUnavailable;
        if (!result.IsValid) return Reason(result);

        var jwt = (JsonWebToken)result.SecurityToken;
        // A key the token service endorsed for some channels only may not vouch for another channel (endorsementsValidator.ts).
        if (activity.ChannelId is { Length: > 0 } channel && keys.Endorsements.TryGetValue(jwt.Kid ?? "", out var endorsed) &&
            endorsed.Count > 0 && !endorsed.Contains(channel, StringComparer.Ordinal))
            return $"The token's signing key is not endorsed for channel '{channel}'.";
        var serviceUrl = jwt.TryGetPayloadValue<string>("serviceurl", out var claim) ? claim : null;
        return serviceUrl == activity.ServiceUrl ? null : "The token's serviceurl claim does not match the activity's serviceUrl.";
    }

    /// <summary>Emulator tokens come from Entra: no serviceurl or endorsements, but the app id claim must be this bot (v1 appid, v2 azp).</summary>
    private async Task<string?> ValidateEmulatorTokenAsync(string token, CancellationToken cancellationToken)
    {
        if (await ValidateAsync(token, _emulatorKeys, _emulatorIssuers, cancellationToken) is not ({ } result, _)) return KeysUnavailable;
        if (!result.IsValid) return Reason(result);
        var jwt = (JsonWebToken)result.SecurityToken;
        var appIdClaim = jwt.TryGetPayloadValue<string>("ver", out var version) && version == "2.0" ? "azp" : "appid";
        return jwt.TryGetPayloadValue<string>(appIdClaim, out var appId) && appId == _options.MicrosoftAppId
            ? null
            : $"The Emulator token's {appIdClaim} claim is not this bot's app id.";
    }

    private const string KeysUnavailable = "The bearer token cannot be verified now: the Bot Framework signing keys are unavailable.";

    /// <summary>The validation result and the keys it used; nulls when the keys cannot be had now.</summary>
    private async Task<(TokenValidationResult? Result, BotSigningKeys? Keys)> ValidateAsync(
        string token, SigningKeySource keySource, string[] issuers, CancellationToken cancellationToken)
    {
        if (await keySource.GetAsync(cancellationToken) is not { } keys) return (null, null);
        var result = await _handler.ValidateTokenAsync(token, Parameters(keys, issuers));
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // Keys roll over: an unknown kid earns one refresh of the metadata (rate-limited by the manager).
            keySource.RequestRefresh();
            if (await keySource.GetAsync(cancellationToken) is not { } refreshed) return (null, null);
            keys = refreshed;
            result = await _handler.ValidateTokenAsync(token, Parameters(keys, issuers));
        }
        return (result, keys);
    }

    private TokenValidationParameters Parameters(BotSigningKeys keys, string[] issuers) => new()
    {
        ValidIssuers = issuers,
        ValidAudience = _options.MicrosoftAppId,
        IssuerSigningKeys = keys.Keys,
        ValidAlgorithms = Algorithms,
        ClockSkew = TimeSpan.FromMinutes(5),
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateIssuerSigningKey = true,
    };

    private static string Reason(TokenValidationResult result) => result.Exception switch
    {
        SecurityTokenExpiredException => "The bearer token has expired.",
        SecurityTokenNotYetValidException => "The bearer token is not valid yet.",
        SecurityTokenInvalidAudienceException => "The bearer token was not issued for this bot (audience).",
        SecurityTokenInvalidIssuerException => "The bearer token's issuer is not the Bot Framework.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The bearer token's signature is not valid.",
        SecurityTokenInvalidAlgorithmException => "The bearer token's signing algorithm is not allowed.",
        _ => "The bearer token is not valid.",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected an activity from channel {ChannelId}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string? channelId, string reason);
}

/// <summary>The signing keys of a token service and, per key id, the channels each key is endorsed for.</summary>
public sealed record BotSigningKeys(IReadOnlyList<SecurityKey> Keys, IReadOnlyDictionary<string, IReadOnlyList<string>> Endorsements);

/// <summary>
/// Reads OpenID metadata and its JWKS. The Bot Framework's <c>endorsements</c> key property is read from the raw JSON,
/// as botbuilder-dotnet's EndorsementsRetriever does, rather than trusting a JSON Web Key type to keep unknown members.
/// </summary>
internal sealed class BotSigningKeysRetriever : IConfigurationRetriever<BotSigningKeys>
{
    public async Task<BotSigningKeys> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
    {
        using var metadata = JsonDocument.Parse(await retriever.GetDocumentAsync(address, cancel));
        var jwksUri = metadata.RootElement.TryGetProperty("jwks_uri", out var uri) && uri.GetString() is { Length: > 0 } u
            ? u
            : throw new InvalidOperationException($"The OpenID metadata at {address} has no jwks_uri.");
        var jwks = await retriever.GetDocumentAsync(jwksUri, cancel);

        var endorsements = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        using (var set = JsonDocument.Parse(jwks))
        {
            foreach (var key in set.RootElement.GetProperty("keys").EnumerateArray())
            {
                if (key.TryGetProperty("kid", out var kid) && kid.GetString() is { } id &&
                    key.TryGetProperty("endorsements", out var e) && e.ValueKind == JsonValueKind.Array)
                    endorsements[id] = [.. e.EnumerateArray().Select(x => x.GetString()).OfType<string>()];
            }
        }
        return new BotSigningKeys([.. new JsonWebKeySet(jwks).GetSigningKeys()], endorsements);
    }
}
