using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace QaBot.Channels.BotFramework;

/// <summary>
/// The bot's own bearer token for the Bot Connector (scope https://api.botframework.com/.default), from Azure.Identity:
/// a client secret or a federated credential against botframework.com or the bot's tenant, or the user-assigned managed
/// identity. The credential caches the token and refreshes it before it expires. No app id, no token (local Emulator mode).
/// </summary>
public sealed partial class BotTokenProvider
{
    public const string Scope = "https://api.botframework.com/.default";
    private static readonly TokenRequestContext Request = new([Scope]);

    private readonly Lazy<TokenCredential?> _credential;
    private readonly ILogger<BotTokenProvider> _logger;

    public BotTokenProvider(IHttpClientFactory httpClients, IOptions<BotOptions> options, ILogger<BotTokenProvider> logger)
    {
        _logger = logger;
        _credential = new(() => Credential(options.Value, httpClients.CreateClient(BotFrameworkChannelExtensions.TokenHttpClient)));
    }

    /// <summary>The token to send, or null when no app id is configured.</summary>
    public async Task<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_credential.Value is not { } credential) return null;
        try
        {
            return (await credential.GetTokenAsync(Request, cancellationToken)).Token;
        }
        catch (AuthenticationFailedException ex)
        {
            LogTokenFailed(_logger, ex.Message);
            throw;
        }
    }

    /// <summary>The credential the app type calls for, with its requests on the token HttpClient (no redirects, resilience).</summary>
    public static TokenCredential? Credential(BotOptions o, HttpClient http)
    {
        if (o.IsAnonymous) return null;
        var transport = new HttpClientTransport(http);
        if (o.MicrosoftAppType == MicrosoftAppType.UserAssignedMSI)
        {
            return new ManagedIdentityCredential(new ManagedIdentityCredentialOptions(ManagedIdentityId.FromUserAssignedClientId(o.MicrosoftAppId!)) { Transport = transport });
        }
        // Multi-tenant bots sign in at botframework.com; single-tenant ones at their own tenant.
        var tenant = o.MicrosoftAppType == MicrosoftAppType.SingleTenant ? o.MicrosoftAppTenantId! : "botframework.com";
        if (!string.IsNullOrEmpty(o.FederatedTokenFile))
        {
            return new WorkloadIdentityCredential(new WorkloadIdentityCredentialOptions
            {
                TenantId = tenant,
                ClientId = o.MicrosoftAppId,
                TokenFilePath = o.FederatedTokenFile,
                AuthorityHost = o.AuthorityHost,
                DisableInstanceDiscovery = true,
                Transport = transport,
            });
        }
        // Instance discovery would ask the public cloud about the authority first; the configured authority is the one to use.
        return new ClientSecretCredential(tenant, o.MicrosoftAppId, o.MicrosoftAppPassword, new ClientSecretCredentialOptions
        {
            AuthorityHost = o.AuthorityHost,
            DisableInstanceDiscovery = true,
            Transport = transport,
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not get the bot's Bot Connector token: {Reason}")]
    private static partial void LogTokenFailed(ILogger logger, string reason);
}
