using System.ComponentModel.DataAnnotations;

namespace QaBot.Channels.DirectLine;

/// <summary>
/// Settings of the local Direct Line 3.0 endpoint and the Web Chat page under <c>QaBot:DirectLine</c>
/// (environment: <c>QaBot__DirectLine__Secret</c>…).
/// </summary>
public sealed class DirectLineOptions : IValidatableObject
{
    public const string Section = "QaBot:DirectLine";

    /// <summary>
    /// The Direct Line secret a trusted back end exchanges for tokens (<c>POST /v3/directline/tokens/generate</c>) or uses
    /// to start conversations. Unset: only the Web Chat page's own token endpoint issues tokens, and tokens are signed
    /// with a random per-process key.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>
    /// Origins (scheme://host[:port]) of other sites allowed to call the token endpoint and the Direct Line API from a
    /// browser. The page served by the bot itself is same-origin and needs no entry.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>
    /// Serve the chat page at <c>/</c> and its anonymous token endpoint <c>POST /webchat/token</c>. Turn off when only your
    /// own back end, holding the secret, may hand out tokens; the widget bundle stays available for embedding.
    /// </summary>
    public bool ServePage { get; set; } = true;

    /// <summary>How long a conversation token is valid; Web Chat refreshes it every 15 minutes.</summary>
    [Range(typeof(TimeSpan), "00:16:00", "1.00:00:00", ErrorMessage = "QaBot:DirectLine:TokenLifetime must be between 00:16:00 and 1.00:00:00 (Web Chat refreshes every 15 minutes).")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a WebSocket <c>streamUrl</c> may wait before the client connects to it.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00", ErrorMessage = "QaBot:DirectLine:StreamUrlLifetime must be between 00:00:10 and 01:00:00.")]
    public TimeSpan StreamUrlLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A conversation nobody posted to or read for this long is forgotten.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "QaBot:DirectLine:ConversationIdleTimeout must be between 00:00:01 and 7.00:00:00.")]
    public TimeSpan ConversationIdleTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Activities kept per conversation for polling and reconnects; older ones are dropped.</summary>
    [Range(10, 100_000, ErrorMessage = "QaBot:DirectLine:MaxActivitiesPerConversation must be between 10 and 100000.")]
    public int MaxActivitiesPerConversation { get; set; } = 500;

    /// <summary>
    /// JSON bytes of activities kept per conversation; the oldest are dropped first. One client posting large typing
    /// activities must not hold tens of megabytes.
    /// </summary>
    [Range(64, 1_048_576, ErrorMessage = "QaBot:DirectLine:MaxKilobytesPerConversation must be between 64 and 1048576.")]
    public int MaxKilobytesPerConversation { get; set; } = 512;

    /// <summary>Bytes the activities of all conversations may hold together; beyond, the least recently used conversations are forgotten.</summary>
    [Range(1, 64_000, ErrorMessage = "QaBot:DirectLine:MaxMemoryMegabytes must be between 1 and 64000.")]
    public int MaxMemoryMegabytes { get; set; } = 64;

    /// <summary>
    /// Conversations (and page tokens) one client address may start per minute, so a flood cannot churn the store.
    /// Holders of the secret (a trusted back end) are not limited.
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "QaBot:DirectLine:ConversationsPerClientPerMinute must be between 1 and 100000.")]
    public int ConversationsPerClientPerMinute { get; set; } = 120;

    /// <summary>Conversations held at once; a newcomer beyond this makes the least recently used one be forgotten.</summary>
    [Range(1, 10_000_000, ErrorMessage = "QaBot:DirectLine:MaxConversations must be between 1 and 10000000.")]
    public int MaxConversations { get; set; } = 10_000;

    /// <summary>Largest activity a client may post (so also the largest a conversation stores from a client).</summary>
    [Range(1024, 4 * 1024 * 1024, ErrorMessage = "QaBot:DirectLine:MaxActivityBytes must be between 1024 and 4194304.")]
    public int MaxActivityBytes { get; set; } = 64 * 1024;

    /// <summary>The bot's account in Direct Line conversations.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "QaBot:DirectLine:BotId is required.")]
    public string BotId { get; set; } = "qabot";

    [Required(AllowEmptyStrings = false, ErrorMessage = "QaBot:DirectLine:BotName is required.")]
    public string BotName { get; set; } = "QaBot";

    /// <summary>The bot's account, as a sender (<c>role: bot</c>).</summary>
    public BotFramework.ChannelAccount BotAccount() => new() { Id = BotId, Name = BotName, Role = "bot" };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A short secret is guessable and also keys the token signature.
        if (Secret is { Length: < 32 })
        {
            yield return new ValidationResult($"{Section}:Secret must be at least 32 characters (or unset).", [nameof(Secret)]);
        }

        if (MaxActivityBytes > MaxKilobytesPerConversation * 1024L)
        {
            yield return new ValidationResult(
                $"{Section}:MaxActivityBytes ({MaxActivityBytes}) must not exceed {Section}:MaxKilobytesPerConversation ({MaxKilobytesPerConversation}) × 1024.",
                [nameof(MaxActivityBytes)]);
        }

        foreach (var origin in AllowedOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.AbsolutePath != "/" || origin.EndsWith('/') || !string.IsNullOrEmpty(uri.Query))
            {
                yield return new ValidationResult(
                    $"{Section}:AllowedOrigins contains '{origin}'; each entry must be an origin such as https://www.example.com (no path, no trailing slash).",
                    [nameof(AllowedOrigins)]);
            }
        }
    }
}
