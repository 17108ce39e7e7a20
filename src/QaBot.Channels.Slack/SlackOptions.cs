using System.ComponentModel.DataAnnotations;

namespace QaBot.Channels.Slack;

/// <summary>The Slack app's credentials and the channel's limits (env: QaBot__Slack__SigningSecret, ...).</summary>
public sealed class SlackOptions : IValidatableObject
{
    public const string Section = "QaBot:Slack";

    /// <summary>The app's signing secret ("Basic Information" page); every request to the endpoint is verified with it.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>The bot user OAuth token (xoxb-...) used for auth.test and chat.postMessage.</summary>
    public string? BotToken { get; set; }

    /// <summary>The Web API base address; tests point it at a fake.</summary>
    public Uri ApiBaseUrl { get; set; } = new("https://slack.com/api/");

    /// <summary>Event payloads are a few KB; anything far larger is not from Slack.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 64 * 1024;

    /// <summary>Retries of a Web API call on 429 (honouring Retry-After), 5xx or a network failure.</summary>
    [Range(1, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The channel is on only when both secrets are set.</summary>
    public bool IsEnabled => !string.IsNullOrWhiteSpace(SigningSecret) && !string.IsNullOrWhiteSpace(BotToken);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Half a configuration is a mistake, not a wish to turn Slack off: say which key is missing.
        if (string.IsNullOrWhiteSpace(SigningSecret) != string.IsNullOrWhiteSpace(BotToken))
        {
            var missing = string.IsNullOrWhiteSpace(SigningSecret) ? nameof(SigningSecret) : nameof(BotToken);
            yield return new ValidationResult(
                $"{Section}:{missing} must be set too: the Slack channel needs both {Section}:SigningSecret and {Section}:BotToken (or neither, to turn it off).",
                [missing]);
        }

        if (!ApiBaseUrl.IsAbsoluteUri || (ApiBaseUrl.Scheme != Uri.UriSchemeHttps && ApiBaseUrl.Scheme != Uri.UriSchemeHttp))
        {
            yield return new ValidationResult($"{Section}:ApiBaseUrl must be an absolute http(s) address, e.g. https://slack.com/api/.", [nameof(ApiBaseUrl)]);
        }
    }
}
