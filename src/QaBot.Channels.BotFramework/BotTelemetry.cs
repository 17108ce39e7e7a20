using System.Diagnostics;

namespace QaBot.Channels.BotFramework;

/// <summary>Traces of replies sent to the Bot Connector (exported by the host's OpenTelemetry, "QaBot.*").</summary>
internal static class BotTelemetry
{
    public static readonly ActivitySource ActivitySource = new("QaBot.Channels.BotFramework");
}
