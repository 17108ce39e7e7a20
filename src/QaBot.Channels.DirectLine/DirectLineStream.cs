using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QaBot.Channels.BotFramework;

namespace QaBot.Channels.DirectLine;

/// <summary>
/// The WebSocket behind a <c>streamUrl</c>: replays the feed after the watermark the URL was issued with, then pushes
/// every new activity, each frame an ActivitySet <c>{"activities":[…],"watermark":"n"}</c>. The client's empty
/// keep-alive messages are read and ignored; the server keeps the connection alive with WebSocket pings.
/// </summary>
public sealed class DirectLineStream(
    DirectLineTokens tokens,
    IDirectLineConversations conversations,
    DirectLineEndpoints endpoints,
    IHostApplicationLifetime lifetime,
    ILogger<DirectLineStream> logger)
{
    private const int MaxActivitiesPerFrame = 100;

    public async Task HandleAsync(HttpContext context)
    {
        var conversationId = (string)context.GetRouteValue("conversationId")!;
        var result = await AuthorizeAsync(context, conversationId);
        if (result.Error is not null)
        {
            await result.Error.ExecuteAsync(context);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var conversation = result.Conversation!;
        var feed = await conversation.OpenStreamAsync(result.After);
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var receiving = ReceiveUntilClosedAsync(socket, connection);
        var reason = "closed by the client";
        try
        {
            while (await feed.WaitToReadAsync(connection.Token))
            {
                var batch = new List<StoredActivity>();
                while (batch.Count < MaxActivitiesPerFrame && feed.TryRead(out var stored)) batch.Add(stored);
                var frame = JsonSerializer.SerializeToUtf8Bytes(
                    new ActivitySet([.. batch.Select(s => s.Activity)], DirectLineConversation.FormatWatermark(batch[^1].Sequence)), BotJson.Options);
                await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, connection.Token);
            }

            // The feed ended: another stream replaced this one, the client fell too far behind, or the conversation expired.
            // The client reconnects from its watermark (or learns the conversation ended).
            reason = "stream ended by the server";
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "Reconnect to continue", connection.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // The client went away, or the server is stopping.
        }
        finally
        {
            conversation.CloseStream(feed);
            await connection.CancelAsync();
            await receiving;
            DirectLineLog.StreamEnded(logger, conversationId, reason);
        }
    }

    private async Task<(IDirectLineConversation? Conversation, long After, IResult? Error)> AuthorizeAsync(HttpContext context, string conversationId)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return (null, 0, endpoints.Refuse(context, StatusCodes.Status400BadRequest, "WebSocket required", "Open the streamUrl with a WebSocket client."));
        }

        // Browsers cannot send headers on a WebSocket, so the streamUrl carries its own short-lived token.
        var check = await tokens.ValidateStreamTokenAsync(context.Request.Query["t"]);
        if (check.Grant is not { } grant) return (null, 0, endpoints.Refuse(context, check.Rejection!.Value));
        if (grant.ConversationId != conversationId)
        {
            return (null, 0, endpoints.Refuse(context, StatusCodes.Status403Forbidden, "Token not valid for this conversation",
                "The streamUrl token was issued for another conversation."));
        }

        if (await conversations.FindAsync(conversationId) is not { } conversation)
        {
            return (null, 0, endpoints.Refuse(context, StatusCodes.Status404NotFound, "Conversation not found",
                "The conversation does not exist or has expired; start a new one."));
        }

        // A token issued without a watermark streams from the start (after = 0).
        _ = DirectLineConversation.TryParseWatermark(grant.Watermark, out var after);
        return (conversation, after, null);
    }

    private static async Task ReceiveUntilClosedAsync(WebSocket socket, CancellationTokenSource connection)
    {
        var buffer = new byte[1024];
        try
        {
            while (!connection.IsCancellationRequested)
            {
                var message = await socket.ReceiveAsync(buffer, connection.Token);
                if (message.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Closed either way.
        }

        await connection.CancelAsync();
    }
}
