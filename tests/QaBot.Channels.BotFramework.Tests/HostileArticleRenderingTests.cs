using System.Text.Json;
using QaBot.Answering;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>
/// What an article can make the bot send to Web Chat and Teams: only http(s) addresses, and its markdown and HTML shown
/// as text. The renderer is checked directly because ingestion already drops such URLs; this is the second line.
/// </summary>
public sealed class HostileArticleRenderingTests
{
    private const string ArticleText = "Sales fell by 5% [click here](https://evil.example/login) <img src=x onerror=alert(1)> **now** ![p](https://evil.example/p.png) [7]";

    private static Activity Inbound(string channel) => new()
    {
        Type = ActivityTypes.Message,
        ChannelId = channel,
        ServiceUrl = "http://127.0.0.1:9/",
        From = new ChannelAccount { Id = "user" },
        Recipient = new ChannelAccount { Id = "bot" },
        Conversation = new ConversationAccount { Id = "c1" },
    };

    private static Answer Answer(string? url) => new()
    {
        Question = "q",
        StandaloneQuestion = "q",
        Text = ArticleText,
        Declined = false,
        Citations = [new Citation(1, "Cars <b>[sale](https://evil.example)</b>", "a.html", url, "quote", null, "a.html#0")],
        Timing = new AnswerTiming(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero),
    };

    [Theory]
    [InlineData("webchat", "javascript:alert(document.cookie)")]
    [InlineData("webchat", "JavaScript:alert(1)")]
    [InlineData("webchat", "data:text/html;base64,PHNjcmlwdD4=")]
    [InlineData("webchat", "file:///etc/passwd")]
    [InlineData("msteams", "vbscript:msgbox(1)")]
    public void A_citation_url_that_is_not_http_never_reaches_the_channel(string channel, string url)
    {
        var reply = AnswerActivity.Create(Inbound(channel), Answer(url), "ref", []);

        var json = JsonSerializer.Serialize(reply, BotJson.Options);
        Assert.DoesNotContain(url.Split(':')[0] + ":", json, StringComparison.OrdinalIgnoreCase);
        var claim = JsonDocument.Parse(json).RootElement.GetProperty("entities")[0].GetProperty("citation")[0];
        Assert.False(claim.GetProperty("appearance").TryGetProperty("url", out _));
        if (channel == "webchat") Assert.Contains("\n[1]: cite:1 \"", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_http_citation_url_is_kept_with_its_parentheses_encoded()
    {
        var reply = AnswerActivity.Create(Inbound("webchat"), Answer("https://news.example/a_(b)?q=1"), "ref", []);

        // Web Chat opens the passage, whose markdown links to the article.
        var claim = JsonDocument.Parse(JsonSerializer.Serialize(reply, BotJson.Options)).RootElement.GetProperty("entities")[0].GetProperty("citation")[0];
        Assert.Contains("](https://news.example/a_%28b%29?q=1)", claim.GetProperty("appearance").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("\n[1]: cite:1 \"", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_and_html_in_article_text_and_titles_are_escaped_and_real_markers_kept()
    {
        var reply = AnswerActivity.Create(Inbound("webchat"), Answer("https://news.example/a"), "ref", []);
        var answer = reply.Text![..reply.Text!.IndexOf("\n\n\n[1]: ", StringComparison.Ordinal)];

        Assert.Equal(
            @"Sales fell by 5% \[click here\](https://evil.example/login) \<img src=x onerror=alert(1)\> \*\*now\*\* !\[p\](https://evil.example/p.png) \[7\] [1]",
            answer);
        var claim = JsonDocument.Parse(JsonSerializer.Serialize(reply, BotJson.Options)).RootElement.GetProperty("entities")[0].GetProperty("citation")[0];
        Assert.Contains(@"[Cars \<b\>\[sale\](https://evil.example)\</b\>](https://news.example/a)", claim.GetProperty("appearance").GetProperty("text").GetString(), StringComparison.Ordinal);
    }
}
