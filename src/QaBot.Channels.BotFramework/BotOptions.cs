using System.ComponentModel.DataAnnotations;
using Azure.Identity;

namespace QaBot.Channels.BotFramework;

/// <summary>How the Azure Bot resource authenticates (Azure Bot "Type of App").</summary>
public enum MicrosoftAppType
{
    MultiTenant,
    SingleTenant,
    UserAssignedMSI,
}

/// <summary>
/// Settings of the Bot Framework channel under <c>QaBot:Bot</c> (environment: <c>QaBot__Bot__MicrosoftAppId</c>…).
/// Without <see cref="MicrosoftAppId"/> the bot runs in local Emulator mode: no tokens, loopback serviceUrls only.
/// </summary>
public sealed class BotOptions
{
    public const string Section = "QaBot:Bot";

    /// <summary>The Azure Bot's Microsoft App ID (for UserAssignedMSI: the managed identity's client id).</summary>
    public string? MicrosoftAppId { get; set; }

    /// <summary>Client secret of the app registration (MultiTenant and SingleTenant).</summary>
    public string? MicrosoftAppPassword { get; set; }

    /// <summary>
    /// Instead of a secret (MultiTenant and SingleTenant): a file holding a federated token the app registration trusts,
    /// such as the one Kubernetes workload identity mounts (AZURE_FEDERATED_TOKEN_FILE).
    /// </summary>
    public string? FederatedTokenFile { get; set; }

    /// <summary>The Entra tenant of a SingleTenant bot.</summary>
    public string? MicrosoftAppTenantId { get; set; }

    public MicrosoftAppType MicrosoftAppType { get; set; } = MicrosoftAppType.MultiTenant;

    /// <summary>OpenID metadata of the Bot Connector's token service (channels' tokens).</summary>
    public Uri OpenIdMetadataUrl { get; set; } = new("https://login.botframework.com/v1/.well-known/openidconfiguration");

    /// <summary>OpenID metadata for tokens the Bot Framework Emulator obtains from Entra ID.</summary>
    public Uri EmulatorOpenIdMetadataUrl { get; set; } = new("https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration");

    /// <summary>
    /// The Entra authority the bot signs in at (its tenant, or botframework.com, is appended): the public cloud unless a
    /// national cloud's. A managed identity's endpoint comes from the environment the platform sets, as Azure.Identity reads it.
    /// </summary>
    public Uri AuthorityHost { get; set; } = AzureAuthorityHosts.AzurePublicCloud;

    /// <summary>Only for tests with a local token issuer: allow OpenID metadata over plain HTTP.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Largest accepted activity; Bot Framework activities are a few KB.</summary>
    [Range(1024, 16 * 1024 * 1024, ErrorMessage = $"{Section}:{nameof(MaxRequestBytes)} must be between {{1}} and {{2}}.")]
    public int MaxRequestBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Questions to offer first in the welcome message, each only if the bot answers it with a citation; by default (and
    /// to fill up) the welcome offers questions made from the indexed articles' titles.
    /// </summary>
    public List<string> ExampleQuestions { get; set; } = [];

    /// <summary>Local Emulator mode: no app id configured, so no tokens either way.</summary>
    public bool IsAnonymous => string.IsNullOrWhiteSpace(MicrosoftAppId);
}
