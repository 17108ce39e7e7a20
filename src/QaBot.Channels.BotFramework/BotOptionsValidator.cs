using Microsoft.Extensions.Options;

namespace QaBot.Channels.BotFramework;

/// <summary>The cross-field rules of <see cref="BotOptions"/>, each failure naming its configuration key.</summary>
public sealed class BotOptionsValidator : IValidateOptions<BotOptions>
{
    private const string S = BotOptions.Section;

    public ValidateOptionsResult Validate(string? name, BotOptions o)
    {
        var failures = new List<string>();
        if (o.IsAnonymous)
        {
            if (!string.IsNullOrEmpty(o.MicrosoftAppPassword))
                failures.Add($"{S}:MicrosoftAppPassword is set but {S}:MicrosoftAppId is not; set both (Azure Bot) or neither (local Emulator).");
        }
        else
        {
            if (!Guid.TryParse(o.MicrosoftAppId, out _))
                failures.Add($"{S}:MicrosoftAppId must be the Azure Bot's Microsoft App ID (a GUID), not '{o.MicrosoftAppId}'.");
            var secrets = (string.IsNullOrEmpty(o.MicrosoftAppPassword) ? 0 : 1) + (string.IsNullOrEmpty(o.FederatedTokenFile) ? 0 : 1);
            if (o.MicrosoftAppType != MicrosoftAppType.UserAssignedMSI && secrets != 1)
                failures.Add($"{S}:MicrosoftAppPassword or {S}:FederatedTokenFile (one of them) is required when {S}:MicrosoftAppType is {o.MicrosoftAppType}.");
            if (o.MicrosoftAppType == MicrosoftAppType.UserAssignedMSI && secrets != 0)
                failures.Add($"{S}:MicrosoftAppPassword and {S}:FederatedTokenFile do not apply when {S}:MicrosoftAppType is UserAssignedMSI: the managed identity signs in.");
            if (o.MicrosoftAppType == MicrosoftAppType.SingleTenant && string.IsNullOrWhiteSpace(o.MicrosoftAppTenantId))
                failures.Add($"{S}:MicrosoftAppTenantId is required when {S}:MicrosoftAppType is SingleTenant.");
        }

        CheckUrl(failures, "OpenIdMetadataUrl", o.OpenIdMetadataUrl, o.RequireHttpsMetadata);
        CheckUrl(failures, "EmulatorOpenIdMetadataUrl", o.EmulatorOpenIdMetadataUrl, o.RequireHttpsMetadata);
        CheckUrl(failures, "AuthorityHost", o.AuthorityHost, requireHttps: true); // Entra ID (MSAL) signs in over https only.
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckUrl(List<string> failures, string key, Uri? url, bool requireHttps)
    {
        if (url is null) return;
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && (requireHttps || url.Scheme != Uri.UriSchemeHttp)))
            failures.Add($"{S}:{key} must be an absolute {(requireHttps ? "https" : "http(s)")} URL, not '{url}'.");
    }
}
