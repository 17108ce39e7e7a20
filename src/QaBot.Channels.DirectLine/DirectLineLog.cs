using Microsoft.Extensions.Logging;

namespace QaBot.Channels.DirectLine;

internal static partial class DirectLineLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Direct Line conversation {ConversationId} started")]
    public static partial void ConversationStarted(ILogger logger, string conversationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a Direct Line request to {Path}: {Reason}")]
    public static partial void Refused(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Direct Line stream of conversation {ConversationId} ended: {Reason}")]
    public static partial void StreamEnded(ILogger logger, string conversationId, string reason);
}
