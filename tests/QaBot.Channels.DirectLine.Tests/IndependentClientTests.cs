using QaBot.Channels.DirectLine.Tests.Infrastructure;
using Xunit.Abstractions;

namespace QaBot.Channels.DirectLine.Tests;

/// <summary>
/// Microsoft's own clients against the real server: botframework-directlinejs in Node, and the unmodified Web Chat page
/// in headless Chromium (playwright-core). The scripts live in tests/e2e and print what they saw as JSON.
/// </summary>
public sealed class IndependentClientTests(ServerFixture fixture, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    // Answered from the Nissan article, which has no URL: its citation can only open the quoted passage.
    private const string NissanQuestion = "When was the Nissan production cut article published?";

    [SkippableFact]
    public async Task DirectLineJs_talks_to_the_bot_over_WebSocket_and_polling_reconnects_resumes_and_stays_in_its_conversation()
    {
        E2ePrerequisites.Require("botframework-directlinejs");
        var result = await NodeScripts.RunSuccessfullyAsync(output, "directline/directline-api.js", fixture.Server.BaseUrl.ToString(), DirectLineServer.Secret);

        var ws = result["websocket"]!;
        Assert.Equal((string)ws["tokenConversationId"]!, (string)ws["conversationId"]!);
        Assert.StartsWith("ws://", (string)ws["streamUrl"]!);
        Assert.StartsWith("Hi!", (string)ws["welcome"]!);
        Assert.Equal((string)ws["postedId"]!, (string)ws["echoId"]!);
        Assert.Equal("client-1", (string)ws["echoClientActivityID"]!);
        Assert.Equal((string)ws["userId"]!, (string)ws["echoFromId"]!);
        Assert.True((bool)ws["typingBeforeAnswer"]!);
        Assert.Contains("24.2%", (string)ws["answer"]!);
        Assert.True((int)ws["citationEntities"]! > 0);
        Assert.NotEmpty(ws["suggestedActions"]!.AsArray());

        // After the server closed its socket, directlinejs reconnected by itself and missed or repeated nothing.
        var reconnect = result["serverClosedReconnect"]!;
        Assert.False(string.IsNullOrWhiteSpace((string?)reconnect["answer"]));
        Assert.Empty(reconnect["duplicates"]!.AsArray());
        Assert.True((bool)reconnect["contiguous"]!);

        // Resuming from the watermark delivers exactly what came after it: no duplicates, no gaps.
        var resume = result["resume"]!;
        Assert.Equal(resume["expectedIds"]!.AsArray().Select(x => (string)x!), resume["receivedIds"]!.AsArray().Select(x => (string)x!));
        Assert.NotEmpty(resume["expectedIds"]!.AsArray());
        Assert.Empty(resume["alreadySeen"]!.AsArray());

        var polling = result["polling"]!;
        Assert.Equal("client-3", (string)polling["echoClientActivityID"]!);
        Assert.Contains("24.2%", (string)polling["answer"]!);

        var cross = result["crossConversation"]!;
        Assert.Equal(403, (int)cross["readStatus"]!);
        Assert.Equal("Token not valid for this conversation", (string)cross["readTitle"]!);
        Assert.Equal(403, (int)cross["postStatus"]!);
        Assert.Contains((string)cross["clientStatus"]!, new[] { "ExpiredToken", "FailedToConnect" });
        Assert.Equal(0, (int)cross["activitiesLeaked"]!);
    }

    [SkippableTheory]
    [InlineData("websocket", "")]
    [InlineData("polling", "?webSocket=false")]
    public async Task Web_Chat_in_Chromium_answers_with_a_citation_that_opens_its_passage(string mode, string query)
    {
        E2ePrerequisites.Require("playwright-core", chromium: true);
        var artifacts = Directory.CreateDirectory(Path.Combine(RepositoryPaths.Root, "artifacts", "webchat")).FullName;
        var screenshot = Path.Combine(artifacts, $"webchat-{mode}.png");

        var result = await NodeScripts.RunSuccessfullyAsync(output, "webchat/webchat-browser.js", fixture.Server.BaseUrl + query, screenshot, NissanQuestion);

        var answer = (string)result["answerText"]!;
        Assert.Contains("February 14, 2025", answer);
        Assert.DoesNotContain("Sources", answer); // the references list below the answer is the only list of sources
        var marker = Assert.Single(result["citationMarkers"]!.AsArray())!;
        Assert.Equal("button", (string)marker["tag"]!);
        var reference = (string)Assert.Single(result["references"]!.AsArray())!;
        Assert.Contains("Nissan", reference);
        Assert.Contains("(seeds/000_9ec63df35f7e173c.txt)", reference);

        // The click opened the quoted passage, and the conversation is still on the page.
        var dialog = (string?)result["citationDialog"];
        Assert.NotNull(dialog);
        Assert.Contains("2025-02-14", dialog); // the quoted passage the date was taken from
        Assert.Contains("seeds/000_9ec63df35f7e173c.txt", dialog);
        var transcript = result["transcript"]!.AsArray().Select(t => (string)t!).ToList();
        Assert.Contains(transcript, t => t.Contains(NissanQuestion, StringComparison.Ordinal));
        Assert.Contains(transcript, t => t.Contains("February 14, 2025", StringComparison.Ordinal));
        Assert.False((bool)result["sendFailed"]!);
        Assert.Empty(result["pageErrors"]!.AsArray());
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot was saved");
    }
}
