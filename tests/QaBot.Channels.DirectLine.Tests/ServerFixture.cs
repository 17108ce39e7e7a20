using QaBot.Channels.DirectLine.Tests.Infrastructure;

namespace QaBot.Channels.DirectLine.Tests;

/// <summary>One server for the tests that do not change its clock or configuration.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string AllowedOrigin = "https://news.example";

    public DirectLineServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await DirectLineServer.StartAsync(new Dictionary<string, string?> { ["QaBot:DirectLine:AllowedOrigins:0"] = AllowedOrigin });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
