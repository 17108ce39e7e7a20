using QaBot.Answering;
using QaBot.Channels.BotFramework.Tests.Infrastructure;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>With a chat model that cites nothing, the answer falls back to an extract and says so in an italic line.</summary>
public sealed class NoticeTests : IAsyncLifetime
{
    private FakeChannel _channel = null!;
    private InProcessServer _server = null!;

    public async Task InitializeAsync()
    {
        _channel = await FakeChannel.StartAsync();
        _server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["QaBot:Answering:Provider"] = "AzureOpenAI",
            ["QaBot:AzureOpenAI:Endpoint"] = _channel.BaseUrl.ToString(),
            ["QaBot:AzureOpenAI:ApiKey"] = "test-key",
            ["QaBot:AzureOpenAI:ChatDeployment"] = "gpt-4o",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _channel.DisposeAsync();
    }

    [Fact]
    public async Task ModelFallbackNotice_IsAppendedAsAnItalicLine()
    {
        var conversation = Activities.NewConversationId();
        (await _server.Http.PostAsync(_server.MessagesUrl, Activities.Message(_channel.ServiceUrl, conversation, "How much have Honda sales dropped?"))).Dispose();

        var answer = (await _channel.WaitForConversationAsync(conversation, r => r.Any(a => a.Type == "message"))).Single(a => a.Type == "message");
        Assert.Contains("24.2%", answer.Text);
        Assert.Contains($"\n\n_{ChatAnswerer.UngroundedNotice}_", answer.Text);
        ConversationTests.AssertCitationsConsistent(answer.Activity);
    }
}
