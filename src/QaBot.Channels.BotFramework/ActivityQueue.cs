using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace QaBot.Channels.BotFramework;

/// <summary>
/// Activities accepted by /api/messages and waiting to be handled. Channels give a bot about 15 s to acknowledge, so the
/// endpoint answers at once and the reply follows through the Connector. One bounded lane per worker; a conversation
/// always maps to the same lane, so its turns are answered in order (a follow-up never overtakes its question).
/// </summary>
public sealed class ActivityQueue
{
    private readonly Channel<Activity>[] _lanes;

    public ActivityQueue(IOptions<BotOptions> options)
    {
        var o = options.Value;
        var perLane = Math.Max(1, o.QueueCapacity / o.Workers);
        _lanes = [.. Enumerable.Range(0, o.Workers).Select(_ => Channel.CreateBounded<Activity>(
            new BoundedChannelOptions(perLane) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }))];
    }

    internal IReadOnlyList<ChannelReader<Activity>> Lanes => [.. _lanes.Select(l => l.Reader)];

    /// <summary>False when the lane is full: the caller answers 503 so the channel retries, instead of memory growing.</summary>
    public bool TryEnqueue(Activity activity)
    {
        // string.GetHashCode is per-process random, which is fine: lanes only need to be stable while the process lives.
        var lane = (uint)(activity.Conversation?.Id ?? "").GetHashCode() % (uint)_lanes.Length;
        return _lanes[lane].Writer.TryWrite(activity);
    }
}

/// <summary>Handles queued activities with the bot logic and sends the replies through the Bot Connector.</summary>
public sealed partial class ActivityWorker(
    ActivityQueue queue,
    BotActivityHandler handler,
    ConnectorActivitySender sender,
    ILogger<ActivityWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(queue.Lanes.Select(lane => RunLaneAsync(lane, stoppingToken)));

    private async Task RunLaneAsync(ChannelReader<Activity> lane, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var activity in lane.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await handler.HandleAsync(activity, sender, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // One failed delivery (a Connector error, a conversation gone) must not stop the lane.
                    LogTurnFailed(logger, ex, activity.Type, activity.ChannelId, activity.Conversation?.Id);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling a {Type} activity from {ChannelId} conversation {ConversationId} failed")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception, string? type, string? channelId, string? conversationId);
}
