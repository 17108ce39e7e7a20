using System.Net;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>The server-wide ceiling of requests per client address and second (QaBot:RateLimits:RequestsPerClientPerSecond).</summary>
public sealed class ClientRateLimitTests
{
    [Fact]
    public async Task Requests_over_the_ceiling_get_429_with_retry_after_and_a_reason()
    {
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?> { ["QaBot:RateLimits:RequestsPerClientPerSecond"] = "3" });

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => server.Http.GetAsync(new Uri("healthz", UriKind.Relative))));

        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(responses.Count(r => r.StatusCode == HttpStatusCode.OK), 1, 6);
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        Assert.Contains("Too many requests", await refused[0].Content.ReadAsStringAsync());
        foreach (var r in responses) r.Dispose();
    }

    [Fact]
    public async Task The_default_ceiling_lets_a_burst_through()
    {
        await using var server = await InProcessServer.StartAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => server.Http.GetAsync(new Uri("healthz", UriKind.Relative))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var r in responses) r.Dispose();
    }
}
