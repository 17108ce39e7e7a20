namespace QaBot.Channels.BotFramework.Tests.Infrastructure;

/// <summary>The server without an app id (local Emulator mode) and a fake Emulator to reply to, shared by a test class.</summary>
public sealed class EmulatorModeFixture : IAsyncLifetime
{
    public FakeChannel Channel { get; private set; } = null!;

    public InProcessServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Channel = await FakeChannel.StartAsync();
        Server = await InProcessServer.StartAsync(new Dictionary<string, string?> { ["QaBot:Bot:MaxRequestBytes"] = "65536" });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Channel.DisposeAsync();
    }
}
