using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using QaBot.Channels.BotFramework.Tests.Infrastructure;
using QaBot.Logging;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>What the server writes to its log: no user text from feedback, no line per successful HTTP attempt, no raw control characters.</summary>
public sealed class LogHygieneTests : IAsyncLifetime
{
    private FakeChannel _channel = null!;
    private InProcessServer _server = null!;

    private FakeLogCollector Logs => _server.Services.GetRequiredService<FakeLogCollector>();

    public async Task InitializeAsync()
    {
        _channel = await FakeChannel.StartAsync();
        _server = await InProcessServer.StartAsync(services: s => s.AddLogging(l => l.AddFakeLogging()));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _channel.DisposeAsync();
    }

    [Fact]
    public async Task Feedback_comments_and_questions_stay_out_of_the_log()
    {
        var conversation = Activities.NewConversationId();
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?", channelId: "msteams"))).Dispose();
        var answer = (await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"))).Single(a => a.Type == "message");
        var invoke = Activities.Message(_channel.ServiceUrl, conversation, "", channelId: "msteams");
        invoke["type"] = "invoke";
        invoke["name"] = "message/submitAction";
        invoke["replyToId"] = answer.AssignedId;
        invoke["value"] = new JsonObject
        {
            ["actionName"] = "feedback",
            ["actionValue"] = new JsonObject { ["reaction"] = "dislike", ["feedback"] = "{\"feedbackText\":\"my private remark 7731\"}" },
        };
        (await _server.Http.PostAsync(_server.MessagesUrl, invoke)).Dispose();

        var records = Logs.GetSnapshot();
        Assert.Contains(records, r => r.Level == LogLevel.Information && r.Message.Contains("Down (dislike)", StringComparison.Ordinal) && r.Message.Contains("comment of 22 characters", StringComparison.Ordinal));
        Assert.DoesNotContain(records, r => r.Message.Contains("private remark", StringComparison.Ordinal));
        Assert.DoesNotContain(records, r => r.Message.Contains("(question:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Successful_http_attempts_are_not_logged_at_information()
    {
        var conversation = Activities.NewConversationId();
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?"))).Dispose();
        await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"));

        // The replies went out through the Bot Connector client's resilience pipeline, which reports every attempt.
        Assert.DoesNotContain(Logs.GetSnapshot(), r => r.Level >= LogLevel.Information && r.Message.Contains("Execution attempt", StringComparison.Ordinal));
    }

    [Fact]
    public void The_console_log_escapes_control_characters_in_messages()
    {
        Assert.Equal(EscapingConsoleFormatter.FormatterName, _server.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        var formatter = _server.Services.GetServices<ConsoleFormatter>().OfType<EscapingConsoleFormatter>().Single();
        var forged = "conv-1\r\ninfo: QaBot.Auth[0] Admin signed in\u001b[2J\0\u0007";
        using var output = new StringWriter();

        formatter.Write(new Microsoft.Extensions.Logging.Abstractions.LogEntry<string>(LogLevel.Information, "QaBot.Test", new EventId(0), forged, null, (s, _) => $"Answered in conversation {s}"), null, output);

        Assert.Equal("info: QaBot.Test[0] Answered in conversation conv-1\\r\\ninfo: QaBot.Auth[0] Admin signed in\\e[2J\\0\\u0007\n", output.ToString());
    }

    [Theory]
    [InlineData(LogLevel.Warning, "    HttpRequestException: Connection refused (127.0.0.1:9) ---> SocketException: Connection refused\n")]
    [InlineData(LogLevel.Debug, "    System.Net.Http.HttpRequestException: Connection refused (127.0.0.1:9)\n     ---> System.Net.Sockets.SocketException (111): Connection refused\n")]
    public void A_remote_failure_is_logged_by_its_reasons_and_with_its_trace_only_at_debug(LogLevel level, string expected)
    {
        var formatter = _server.Services.GetServices<ConsoleFormatter>().OfType<EscapingConsoleFormatter>().Single();
        var refused = new HttpRequestException("Connection refused (127.0.0.1:9)", new System.Net.Sockets.SocketException(111));
        using var output = new StringWriter();

        formatter.Write(new Microsoft.Extensions.Logging.Abstractions.LogEntry<string>(level, "QaBot.Test", new EventId(0), "send failed", refused, (s, _) => s), null, output);

        Assert.Contains(expected, output.ToString(), StringComparison.Ordinal);
    }
}
