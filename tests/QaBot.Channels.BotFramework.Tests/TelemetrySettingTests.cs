using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>The console exporter floods the log, so the server exports telemetry only when QaBot:Telemetry:Exporter asks.</summary>
public sealed class TelemetrySettingTests
{
    [Fact]
    public async Task By_default_no_telemetry_is_exported()
    {
        await using var server = await InProcessServer.StartAsync();

        Assert.Null(server.Services.GetService<MeterProvider>());
        Assert.Null(server.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task The_console_exporter_is_a_setting()
    {
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?> { ["QaBot:Telemetry:Exporter"] = "Console" });

        Assert.NotNull(server.Services.GetService<MeterProvider>());
        Assert.NotNull(server.Services.GetService<TracerProvider>());
    }
}
