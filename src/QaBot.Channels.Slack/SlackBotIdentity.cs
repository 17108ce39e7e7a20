using Microsoft.Extensions.Logging;

namespace QaBot.Channels.Slack;

/// <summary>Who the bot is in the workspace: its user id (in mentions and its own messages) and its bot id.</summary>
internal sealed record SlackBotIdentity(string UserId, string? BotId);

/// <summary>Learns the bot's identity with auth.test once and keeps it; a failed attempt is retried on the next call.</summary>
internal sealed partial class SlackBotIdentityProvider(SlackApiClient api, ILogger<SlackBotIdentityProvider> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SlackBotIdentity? _identity;

    public async Task<SlackBotIdentity> GetAsync(CancellationToken cancellationToken)
    {
        if (_identity is { } known) return known;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_identity is null)
            {
                var result = await api.AuthTestAsync(cancellationToken);
                if (string.IsNullOrEmpty(result.UserId)) throw new SlackApiException("auth.test", "no_user_id");
                _identity = new SlackBotIdentity(result.UserId, result.BotId);
                LogIdentity(logger, _identity.UserId, _identity.BotId);
            }

            return _identity;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Slack bot identity: user {UserId}, bot {BotId}")]
    private static partial void LogIdentity(ILogger logger, string userId, string? botId);
}
