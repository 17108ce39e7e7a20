using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace QaBot.Channels.BotFramework;

/// <summary>Traces of replies sent to the Bot Connector and counts of feedback votes (exported by the host's OpenTelemetry, "QaBot.*").</summary>
internal static class BotTelemetry
{
    public static readonly ActivitySource ActivitySource = new("QaBot.Channels.BotFramework");
    private static readonly Meter Meter = new("QaBot.Channels.BotFramework");
    private static readonly Counter<long> FeedbackVotes = Meter.CreateCounter<long>("qabot.feedback.votes", description: "Answer ratings received, by reaction and channel");

    public static void RecordFeedback(FeedbackRecord feedback) =>
        FeedbackVotes.Add(1, new KeyValuePair<string, object?>("reaction", feedback.Reaction), new KeyValuePair<string, object?>("channel", feedback.ChannelId));
}
