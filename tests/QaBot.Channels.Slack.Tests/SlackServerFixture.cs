using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;
using QaBot.Turns;

namespace QaBot.Channels.Slack.Tests;

/// <summary>The real QaBot server on a loopback port (default corpus), with Slack enabled and pointed at a <see cref="FakeSlackApi"/>.</summary>
public sealed class SlackServerFixture : IAsyncLifetime
{
    public const string SigningSecret = "0123456789abcdef0123456789abcdef";

    private WebApplicationFactory<Program>? _factory;

    public FakeSlackApi Slack { get; private set; } = null!;

    public Uri BaseUrl { get; private set; } = null!;

    public Uri EventsUrl => new(BaseUrl, "/api/slack/events");

    public Uri InteractivityUrl => new(BaseUrl, "/api/slack/interactivity");

    /// <summary>This server's own votes file, so a test can read it as the CLI does.</summary>
    public string FeedbackPath { get; } = Path.Combine(Path.GetTempPath(), $"qabot-slack-feedback-{Guid.NewGuid():N}", "feedback.db");

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public FakeLogCollector Logs => _factory!.Services.GetRequiredService<FakeLogCollector>();

    public TurnRunner Turns => _factory!.Services.GetRequiredService<TurnRunner>();

    public IServiceProvider Services => _factory!.Services;

    public async Task InitializeAsync()
    {
        Slack = await FakeSlackApi.StartAsync();
        (_factory, BaseUrl) = await StartServerAsync(SlackSettings(Slack, new() { ["QaBot:Feedback:Path"] = FeedbackPath }));
        await WaitUntilReadyAsync(Http, BaseUrl);
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

    /// <summary>
    /// Starts the server with <paramref name="settings"/> (and <paramref name="services"/> added) on Kestrel at 127.0.0.1
    /// and a random port; it may still be indexing.
    /// </summary>
    public static Task<(WebApplicationFactory<Program> Factory, Uri BaseUrl)> StartServerAsync(Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
            builder.ConfigureServices(s =>
            {
                s.AddFakeLogging();
                services?.Invoke(s);
            });
        });
        _factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        try
        {
            _factory.StartServer();
        }
        catch
        {
            _factory.Dispose();
            throw;
        }

        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return Task.FromResult((_factory, new Uri(address)));
    }

    private static async Task WaitUntilReadyAsync(HttpClient http, Uri baseUrl)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while ((await http.GetAsync(new Uri(baseUrl, "/readyz"))).StatusCode != HttpStatusCode.OK)
        {
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException("The server did not finish indexing the seeds within 60 s.");
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        await Slack.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(FeedbackPath)!, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class SlackServerCollection : ICollectionFixture<SlackServerFixture>
{
    public const string Name = "Slack server";
}
