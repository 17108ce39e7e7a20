namespace QaBot.Channels.Slack.Tests;

public sealed class SlackQuestionTests
{
    private static readonly SlackBotIdentity Self = new("UQABOT", "BQABOT");

    private static SlackEnvelope Envelope(SlackEvent e) => new("event_callback", null, "T1", "Ev1", e);

    private static SlackEvent Mention(string text, string? threadTs = null) =>
        new("app_mention", null, "UALICE", null, text, "C1", null, "1700000000.000200", threadTs, "T1");

    [Theory]
    [InlineData("<@UQABOT> How did Honda do?", "How did Honda do?")]
    [InlineData("<@UQABOT|qabot> How did Honda do?", "How did Honda do?")]
    [InlineData("Ask <@UQABOT>: did <@UBOB> see &lt;this&gt; &amp; <https://example.com|that>?", "Ask : did @UBOB see <this> & that?")]
    public void Strips_only_the_bots_own_mention_and_unescapes(string text, string question) =>
        Assert.Equal(question, SlackQuestion.From(Envelope(Mention(text)), Self)!.Text);

    [Fact]
    public void A_top_level_question_starts_a_thread_and_a_conversation_of_its_own()
    {
        var question = SlackQuestion.From(Envelope(Mention("<@UQABOT> q")), Self)!;
        Assert.Equal(("C1", "1700000000.000200", "slack:T1:C1:1700000000.000200", "slack:T1:UALICE"),
            (question.Channel, question.ThreadTs, question.ConversationId, question.UserId));
    }

    [Fact]
    public void A_reply_belongs_to_its_threads_conversation()
    {
        var question = SlackQuestion.From(Envelope(Mention("<@UQABOT> and Toyota?", threadTs: "1700000000.000100")), Self)!;
        Assert.Equal(("1700000000.000100", "slack:T1:C1:1700000000.000100"), (question.ThreadTs, question.ConversationId));
    }

    [Theory]
    [InlineData("message", "im", null, "UALICE", null, true)]
    [InlineData("message", "channel", null, "UALICE", null, false)]
    [InlineData("message", "im", "message_changed", "UALICE", null, false)]
    [InlineData("message", "im", "bot_message", null, "BQABOT", false)]
    [InlineData("message", "im", null, "UQABOT", null, false)]
    [InlineData("app_mention", null, null, "UOTHERBOT", "BOTHER", false)]
    [InlineData("reaction_added", null, null, "UALICE", null, false)]
    public void Answers_people_in_mentions_and_direct_messages_only(string type, string? channelType, string? subtype, string? user, string? botId, bool answered)
    {
        var e = new SlackEvent(type, subtype, user, botId, "How did Honda do?", "D1", channelType, "1700000000.000200", null, "T1");
        Assert.Equal(answered, SlackQuestion.From(Envelope(e), Self) is not null);
    }
}
