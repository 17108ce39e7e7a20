using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QaBot.Configuration;
using QaBot.Hostile.Tests.Infrastructure;

namespace QaBot.Hostile.Tests;

/// <summary>Whatever is asked, in whatever conversation, AskAsync returns an answer with text and never throws.</summary>
public sealed class AnswerServiceProperties(SeedsIndexFixture seeds) : IClassFixture<SeedsIndexFixture>
{
    private int MaxQuestionChars => seeds.Services.GetRequiredService<IOptions<AnsweringOptions>>().Value.MaxQuestionChars;

    /// <summary>A few conversation ids, so questions land as follow-ups of earlier hostile ones; null asks without context.</summary>
    private static readonly Gen<string?> Conversation = Gen.OneOf<string?>(null, "c1", "c2", "c3", "", " ", "a:b@c;d/e?f#g");

    [Fact]
    public async Task Any_question_gets_an_answer()
    {
        var question = Gen.Frequency(
            (20, HostileText.Text),
            (2, Gen.OneOf("", " ", "\0", "?", "How much have Honda sales dropped?", "and Toyota?", "by how much?", "what about it?")),
            (1, Gen.Char['a', 'z'].Array[MaxQuestionChars - 2, MaxQuestionChars + 2].Select(c => new string(c))),
            (1, HostileText.Megabyte));
        await Gen.Select(question, Conversation, Gen.OneOf<string?>(null, "u1", "u2")).SampleAsync(async (q, conversation, user) =>
        {
            var answer = await seeds.Answers.AskAsync(q, conversation, user);
            Assert.NotNull(answer);
            Assert.False(string.IsNullOrWhiteSpace(answer.Text), "an empty answer");
            Assert.All(answer.Citations, c => Assert.Contains(c.Index, Enumerable.Range(1, answer.Citations.Count)));
        }, iter: 200, threads: 2, print: t => $"conversation {t.Item2 ?? "null"}, user {t.Item3 ?? "null"}, {t.Item1.Length} chars: \"{(t.Item1.Length > 200 ? t.Item1[..200] + "…" : t.Item1)}\"");
    }
}
