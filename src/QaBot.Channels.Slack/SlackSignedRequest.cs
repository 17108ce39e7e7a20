using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace QaBot.Channels.Slack;

/// <summary>What every Slack endpoint does first: read the raw body within the size limit and verify its signature.</summary>
internal static partial class SlackSignedRequest
{
    /// <summary>The body when it is within <paramref name="maxBytes"/> and signed with our secret; else the 4xx to answer with (and no body).</summary>
    public static async Task<(byte[] Body, IResult? Refusal)> ReadAsync(HttpContext context, SlackSignatureVerifier verifier, int maxBytes, ILogger logger)
    {
        var request = context.Request;
        var body = request.ContentLength > maxBytes ? null : await ReadBodyAsync(request.BodyReader, maxBytes, context.RequestAborted);
        if (body is null)
        {
            return ([], Refuse(context, StatusCodes.Status413PayloadTooLarge, "Request too large", $"Slack payloads are limited to {maxBytes} bytes."));
        }

        var check = verifier.Verify(request.Headers[SlackSignatureVerifier.TimestampHeader], request.Headers[SlackSignatureVerifier.SignatureHeader], body);
        if (check == SlackSignatureCheck.Valid) return (body, null);

        LogRejected(logger, request.Path, check);
        return ([], Refuse(context, StatusCodes.Status401Unauthorized, "Invalid Slack request", check switch
        {
            SlackSignatureCheck.MissingHeaders => $"The {SlackSignatureVerifier.SignatureHeader} and {SlackSignatureVerifier.TimestampHeader} headers are required.",
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

    /// <summary>The whole body, or null when it exceeds <paramref name="max"/> bytes (checked before it is all buffered).</summary>
    private static async Task<byte[]?> ReadBodyAsync(PipeReader reader, int max, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            if (buffer.Length > max)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return null;
            }

            if (read.IsCompleted)
            {
                var bytes = buffer.ToArray();
                reader.AdvanceTo(buffer.End);
                return bytes;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a Slack request to {Path}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string path, SlackSignatureCheck reason);
}
