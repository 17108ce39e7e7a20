using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace QaBot.Channels.Slack;

/// <summary>What every Slack endpoint does first: read the raw body within the size limit and verify its signature.</summary>
internal static partial class SlackSignedRequest
{
    /// <summary>
    /// The body when it is signed with our secret; else the 4xx to answer with (and no body). The server enforces the
    /// endpoint's size limit (<see cref="SlackChannelExtensions.MapSlackChannel"/>) while the body is read.
    /// </summary>
    public static async Task<(byte[] Body, IResult? Refusal)> ReadAsync(HttpContext context, SlackSignatureVerifier verifier, int maxBytes, ILogger logger)
    {
        var request = context.Request;
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return ([], Refuse(context, StatusCodes.Status413PayloadTooLarge, "Request too large", $"Slack payloads are limited to {maxBytes} bytes."));
        }
        catch (BadHttpRequestException ex)
        {
            return ([], Refuse(context, ex.StatusCode, "Unreadable body", ex.Message));
        }

        var check = verifier.Verify(request.Headers[SlackSignatureVerifier.TimestampHeader], request.Headers[SlackSignatureVerifier.SignatureHeader], body);
        if (check == SlackSignatureCheck.Valid) return (body, null);

        LogRejected(logger, request.Path, check);
        return ([], Refuse(context, StatusCodes.Status401Unauthorized, "Invalid Slack request", check switch
        {
            SlackSignatureCheck.MissingOrMalformedHeaders => $"The {SlackSignatureVerifier.SignatureHeader} header and a {SlackSignatureVerifier.TimestampHeader} in Unix seconds are required.",
            SlackSignatureCheck.StaleTimestamp => $"The request timestamp is more than {SlackSignatureVerifier.MaxAge.TotalMinutes:0} minutes from now; replays are rejected.",
            _ => "The request signature does not match.",
        }));
    }

    /// <summary>A 4xx ProblemDetails; Slack would redeliver the same bytes, which cannot succeed, so it is told not to.</summary>
    public static IResult Refuse(HttpContext context, int status, string title, string detail)
    {
        context.Response.Headers["X-Slack-No-Retry"] = "1";
        return Results.Problem(statusCode: status, title: title, detail: detail);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a Slack request to {Path}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string path, SlackSignatureCheck reason);
}
