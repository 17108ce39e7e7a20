using QaBot.Answering;

namespace QaBot.Channels.Slack.Tests;

public sealed class SlackMrkdwnTests
{
    [Fact]
    public void Escapes_only_Slacks_three_control_characters() =>
        Assert.Equal("Sales &lt;fell&gt; 24.2% &amp; more \"quoted\" 'text'", SlackMrkdwn.Escape("Sales <fell> 24.2% & more \"quoted\" 'text'"));

    [Theory]
    [InlineData("**Honda** fell", "*Honda* fell")]
    [InlineData("*Toyota* rose", "_Toyota_ rose")]
    [InlineData("__bold__ and ~~gone~~", "*bold* and ~gone~")]
    [InlineData("## Japanese cars", "*Japanese cars*")]
    [InlineData("- first\n- second", "• first\n• second")]
    [InlineData("2 * 3 * 4 = 24", "2 * 3 * 4 = 24")]
    [InlineData("See [the report](https://example.com/a?b=1&c=2) now", "See the report (https://example.com/a?b=1&amp;c=2) now")]
    [InlineData("a < b & [x](https://e.com/p|q)", "a &lt; b &amp; x (https://e.com/p|q)")]
    [InlineData("[Official site](javascript:alert(1)) ![img](https://evil.example/i.png)", "Official site (javascript:alert(1)) img (https://evil.example/i.png)")]
    [InlineData("<https://evil.example|trusted> <!channel>", "&lt;https://evil.example|trusted&gt; &lt;!channel&gt;")]
    public void Converts_markdown_to_mrkdwn(string markdown, string mrkdwn) =>
        Assert.Equal(mrkdwn, SlackMrkdwn.FromMarkdown(markdown));

    [Theory]
    [InlineData("How much did Honda&apos;s &amp; Toyota&gt;", "How much did Honda&apos;s & Toyota>")]
    [InlineData("see <https://example.com|the site> and <https://x.org>", "see the site and https://x.org")]
    public void Unescapes_what_users_typed(string slackText, string typed) =>
        Assert.Equal(typed, SlackMrkdwn.Unescape(slackText));

    [Fact]
    public void Renders_the_answer_with_markers_and_a_sources_context_block()
    {
        var answer = new Answer
        {
            Question = "q",
            StandaloneQuestion = "q",
            Text = "Honda's sales dropped by 24.2% <year-on-year>.",
            Declined = false,
            Citations =
            [
                new Citation(1, "Japanese cars & China", "seeds/001.txt", "https://news.example/cars?id=1&p=2", "quote", new DateOnly(2025, 3, 4), "seeds/001.txt#0"),
                new Citation(2, "Nissan cuts", "seeds/000.txt", null, "quote", null, "seeds/000.txt#3"),
            ],
            Notice = "The model was unavailable.",
            Timing = new AnswerTiming(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero),
        };

        var reply = SlackAnswerRenderer.Render(answer, "ref-1");

        var section = Assert.Single(reply.Blocks, b => b.Type == "section");
        Assert.Equal("Honda's sales dropped by 24.2% &lt;year-on-year&gt;. [1][2]", section.Text!.Text);
        var contexts = reply.Blocks.Where(b => b.Type == "context").Select(b => Assert.IsType<SlackText>(Assert.Single(b.Elements!)).Text).ToList();
        Assert.Equal(
            "*Sources*\n[1] <https://news.example/cars?id=1&amp;p=2|Japanese cars &amp; China> (4 Mar 2025)\n[2] *Nissan cuts* (seeds/000.txt)",
            contexts[0]);
        Assert.Equal("_The model was unavailable._", contexts[1]);
        Assert.Equal(string.Join("\n\n", section.Text.Text, contexts[0], contexts[1]), reply.Text);
    }

    [Theory]
    [InlineData("javascript:alert(document.cookie)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("file:///etc/passwd")]
    [InlineData("//evil.example/no-scheme")]
    public void A_citation_url_that_is_not_http_is_dropped(string url)
    {
        var reply = SlackAnswerRenderer.Render(new Answer
        {
            Question = "q",
            StandaloneQuestion = "q",
            Text = "Sales fell.",
            Declined = false,
            Citations = [new Citation(1, "Cars", "a.html", url, "quote", null, "a.html#0")],
            Timing = new AnswerTiming(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero),
        }, "ref-1");

        Assert.Contains("[1] *Cars* (a.html)", reply.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(url.Split(':')[0] + ":", reply.Text, StringComparison.Ordinal);
        Assert.All(reply.Blocks.SelectMany(b => b.Elements ?? []).OfType<SlackText>(), e => Assert.DoesNotContain("<", e.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void Declined_answers_have_no_sources()
    {
        var reply = SlackAnswerRenderer.Render(new Answer
        {
            Question = "q",
            StandaloneQuestion = "q",
            Text = Answer.DeclineText,
            Declined = true,
            Citations = [],
            Timing = new AnswerTiming(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero),
        }, "ref-1");

        Assert.Equal(Answer.DeclineText, reply.Text);
        Assert.Equal(["section", "actions"], reply.Blocks.Select(b => b.Type));
    }

    [Fact]
    public void A_refusal_has_no_buttons_since_nothing_was_looked_up_to_rate()
    {
        var reply = SlackAnswerRenderer.Render(new Answer
        {
            Question = "", StandaloneQuestion = "", Text = "Please ask a question about the articles.", Declined = true, Refused = true, Citations = [],
            Timing = new AnswerTiming(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero),
        }, "ref-1");

        Assert.Equal(["section"], reply.Blocks.Select(b => b.Type));
    }

    [Fact]
    public void Every_answer_ends_with_thumbs_buttons_carrying_its_reference()
    {
        var reply = SlackAnswerRenderer.Render(new Answer
        {
            Question = "q", StandaloneQuestion = "q", Text = "Sales fell.", Declined = false,
            Citations = [new Citation(1, "Cars", "a.html", null, "quote", null, "a.html#0")],
            Timing = new AnswerTiming(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero),
        }, "ref-42");

        var actions = reply.Blocks[^1];
        Assert.Equal("actions", actions.Type);
        var buttons = actions.Elements!.Cast<SlackButton>().ToList();
        Assert.Equal([("👍", SlackInteractivityEndpoint.UpActionId), ("👎", SlackInteractivityEndpoint.DownActionId)], buttons.Select(b => (b.Text.Text, b.ActionId)));
        Assert.All(buttons, b => Assert.Equal("ref-42", b.Value));
    }
}
