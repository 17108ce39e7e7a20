using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace QaBot.Channels.DirectLine;

/// <summary>Keeps memory bounded: periodically forgets Direct Line conversations that have gone idle.</summary>
public sealed partial class ConversationSweeper(
    DirectLineConversations conversations,
    IOptions<DirectLineOptions> options,
    TimeProvider time,
    ILogger<ConversationSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A quarter of the idle timeout keeps overstay under 25%, within 1 s to 1 min.
        var interval = TimeSpan.FromTicks(Math.Clamp(options.Value.ConversationIdleTimeout.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var removed = conversations.RemoveIdle();
            if (removed > 0) LogRemoved(removed, conversations.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Forgot {Removed} idle Direct Line conversations; {Remaining} remain")]
    private partial void LogRemoved(int removed, int remaining);
}
