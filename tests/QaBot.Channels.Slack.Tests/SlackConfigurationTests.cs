using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace QaBot.Channels.Slack.Tests;

public sealed class SlackConfigurationTests
{
    [Fact]
    public async Task Without_secrets_the_endpoint_is_404_saying_Slack_is_not_configured()
    {
        await using var server = await SlackServerFixture.StartServerAsync(new() { ["QaBot:Slack:SigningSecret"] = "", ["QaBot:Slack:BotToken"] = "" });

        using var response = await server.Http.PostAsync(new Uri(server.BaseUrl, "/api/slack/events"), new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Slack is not configured", (string?)problem["title"]);
        Assert.Contains("QaBot:Slack:BotToken", (string?)problem["detail"]);
    }
}
