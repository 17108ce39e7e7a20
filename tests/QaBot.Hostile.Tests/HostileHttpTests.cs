using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CsCheck;
using QaBot.Hostile.Tests.Infrastructure;
using Xunit.Abstractions;

namespace QaBot.Hostile.Tests;

/// <summary>
/// Whatever arrives at a channel endpoint, the server answers with a status below 500, logs no unhandled exception and
/// stays healthy.
/// </summary>
[Collection(HostileServerCollection.Name)]
public sealed class HostileHttpTests(HostileServer server, ITestOutputHelper output)
{
    private const int Iterations = 150;

    /// <summary>
    /// 501 is not a failure here: the Bot Framework protocol answers an invoke no handler knows with 501 Not Implemented
    /// (botbuilder's CloudAdapterBase), and Bot Framework clients expect exactly that.
    /// </summary>
    [Fact]
    public Task Bot_Framework_messages_endpoint() =>
        SurvivesAsync(HostileBodies.For(HostileBodies.Activity), body => server.PostAsync("/api/messages", body.Bytes),
            (status, body) => status == HttpStatusCode.NotImplemented && IsInvoke(body));

    [Fact]
    public Task Slack_events_endpoint_with_valid_signatures() =>
        SurvivesAsync(HostileBodies.For(HostileBodies.SlackEnvelope),
            body => server.PostAsync("/api/slack/events", body.Bytes, request => HostileServer.SignForSlack(request, body.Bytes)));

    [Fact]
    public Task Slack_events_endpoint_unsigned_or_badly_signed() =>
        SurvivesAsync(HostileBodies.For(HostileBodies.SlackEnvelope), body => server.PostAsync("/api/slack/events", body.Bytes, request =>
        {
            request.Headers.Add("X-Slack-Request-Timestamp", body.Bytes.Length % 2 == 0 ? "not-a-number" : "99999999999999999999");
            request.Headers.Add("X-Slack-Signature", "v0=" + Convert.ToHexStringLower(body.Bytes.AsSpan(0, Math.Min(32, body.Bytes.Length))));
        }));

    [Fact]
    public Task Slack_interactivity_endpoint_with_valid_signatures() =>
        SurvivesAsync(HostileBodies.AsSlackForm(HostileBodies.For(HostileBodies.SlackInteraction)),
            body => server.PostAsync("/api/slack/interactivity", body.Bytes, request =>
            {
                request.Content!.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
                HostileServer.SignForSlack(request, body.Bytes);
            }));

    [Fact]
    public async Task Direct_Line_activities_endpoint()
    {
        var conversationId = await server.StartDirectLineConversationAsync();
        await SurvivesAsync(HostileBodies.For(HostileBodies.Activity), body => server.PostAsync($"/v3/directline/conversations/{conversationId}/activities", body.Bytes,
            request => request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HostileServer.DirectLineSecret)));
    }

    /// <summary>Uptime probes use either method.</summary>
    [Theory]
    [InlineData("GET", "/healthz")]
    [InlineData("HEAD", "/healthz")]
    [InlineData("GET", "/readyz")]
    [InlineData("HEAD", "/readyz")]
    public async Task Health_probes_answer_GET_and_HEAD(string method, string path)
    {
        using var response = await server.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(server.BaseUrl, path)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A body the server cannot read (a chunk size that is no number) is the client's mistake: 400 with Kestrel's reason.</summary>
    [Theory]
    [InlineData("/api/messages")]
    [InlineData("/api/slack/events")]
    [InlineData("/api/slack/interactivity")]
    [InlineData("/v3/directline/conversations/{0}/activities")]
    public async Task A_malformed_chunked_body_is_a_400_with_the_reason(string path)
    {
        var target = string.Format(System.Globalization.CultureInfo.InvariantCulture, path, path.Contains("{0}", StringComparison.Ordinal) ? await server.StartDirectLineConversationAsync() : "");
        using var client = new TcpClient();
        await client.ConnectAsync(server.BaseUrl.Host, server.BaseUrl.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {target} HTTP/1.1\r\nHost: {server.BaseUrl.Authority}\r\nAuthorization: Bearer {HostileServer.DirectLineSecret}\r\n" +
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n"));
        var response = await new StreamReader(stream).ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Contains("chunk", response, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(server.UnhandledErrors().Select(e => $"{e.Category}: {e.Message} {e.Exception}"));
    }

    private async Task SurvivesAsync(Gen<HostileBody> bodies, Func<HostileBody, Task<HttpStatusCode>> post,
        Func<HttpStatusCode, HostileBody, bool>? protocolAnswer = null)
    {
        // Classified by kind and status, so the output shows which bodies got past the signature and parser checks.
        await bodies.SampleAsync(async body =>
        {
            var status = await post(body);
            Assert.True((int)status < 500 || protocolAnswer?.Invoke(status, body) == true, $"{(int)status} {status} for {body}");
            return $"{body.Kind.Split(' ')[0]} -> {(int)status}";
        }, output.WriteLine, iter: Iterations, threads: 2, print: body => body.ToString());

        Assert.Empty(server.UnhandledErrors().Select(e => $"{e.Category}: {e.Message} {e.Exception}"));
        using var health = await server.Http.GetAsync(new Uri(server.BaseUrl, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static bool IsInvoke(HostileBody body)
    {
        try
        {
            // Compared as UTF-8 bytes: a body may hold invalid UTF-8 in other names, which JsonNode would transcode and reject.
            using var document = JsonDocument.Parse(body.Bytes);
            return document.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("type"u8, out var type)
                && type.ValueKind == JsonValueKind.String && type.ValueEquals("invoke"u8);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
