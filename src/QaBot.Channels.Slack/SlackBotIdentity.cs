using Microsoft.Extensions.Logging;

namespace QaBot.Channels.Slack;

/// <summary>Who the bot is in the workspace: its user id (in mentions and its own messages) and its bot id.</summary>
internal sealed record SlackBotIdentity(string UserId, string? BotId);

/// <summary>Learns the bot's identity with auth.test once and keeps it; a failed attempt is retried on the next call.</summary>
internal sealed partial class SlackBotIdentityProvider(SlackApiClient api, ILogger<SlackBotIdentityProvider> logger) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private SlackBotIdentity? identity;

    public async Task<SlackBotIdentity> GetAsync(CancellationToken cancellationToken)
    {
        if (identity is { } known) return known;
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (identity is null)
            {
                var result = await api.AuthTestAsync(cancellationToken);
                if (string.IsNullOrEmpty(result.UserId)) throw new SlackApiException("auth.test", "no_user_id");
                identity = new SlackBotIdentity(result.UserId, result.BotId);
                LogIdentity(logger, identity.UserId, identity.BotId);
            }

            return identity;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Slack bot identity: user {UserId}, bot {BotId}")]
    private static partial void LogIdentity(ILogger logger, string userId, string? botId);
}
