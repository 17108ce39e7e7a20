using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;
using QaBot.Turns;

namespace QaBot.Channels.Slack.Tests;

/// <summary>The real QaBot server on a loopback port (default corpus), with Slack enabled and pointed at a <see cref="FakeSlackApi"/>.</summary>
public sealed class SlackServerFixture : IAsyncLifetime
{
    public const string SigningSecret = "0123456789abcdef0123456789abcdef";

    private InProcessServer? _server;

    public FakeSlackApi Slack { get; private set; } = null!;

    public Uri BaseUrl => _server!.BaseUrl;

    public Uri EventsUrl => new(BaseUrl, "/api/slack/events");

    public Uri InteractivityUrl => new(BaseUrl, "/api/slack/interactivity");

    /// <summary>This server's own votes file, so a test can read it as the CLI does.</summary>
    public string FeedbackPath { get; } = Path.Combine(Path.GetTempPath(), $"qabot-slack-feedback-{Guid.NewGuid():N}", "feedback.db");

    public HttpClient Http => _server!.Http;

    public FakeLogCollector Logs => Services.GetRequiredService<FakeLogCollector>();

    public TurnRunner Turns => Services.GetRequiredService<TurnRunner>();

    public IServiceProvider Services => _server!.Services;

    public async Task InitializeAsync()
    {
        Slack = await FakeSlackApi.StartAsync();
        _server = await StartServerAsync(SlackSettings(Slack, new() { ["QaBot:Feedback:Path"] = FeedbackPath }));
    }

    /// <summary>Enables Slack against <paramref name="slack"/> on top of <paramref name="settings"/>.</summary>
    public static Dictionary<string, string?> SlackSettings(FakeSlackApi slack, Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["QaBot:Slack:SigningSecret"] = SigningSecret,
            ["QaBot:Slack:BotToken"] = FakeSlackApi.Token,
            ["QaBot:Slack:ApiBaseUrl"] = slack.ApiUrl.ToString(),
        };
        foreach (var (key, value) in settings ?? []) all[key] = value;
        return all;
    }

    /// <summary>The server with <paramref name="settings"/>, its log collected, and <paramref name="services"/> on top.</summary>
    public static Task<InProcessServer> StartServerAsync(Dictionary<string, string?> settings, Action<IServiceCollection>? services = null, bool waitUntilReady = true) =>
        InProcessServer.StartAsync(settings, s =>
        {
            s.AddFakeLogging();
            services?.Invoke(s);
        }, waitUntilReady);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        await Slack.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(FeedbackPath)!, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class SlackServerCollection : ICollectionFixture<SlackServerFixture>
{
    public const string Name = "Slack server";
}
