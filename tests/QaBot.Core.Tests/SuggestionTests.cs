using Microsoft.Extensions.DependencyInjection;
using QaBot.Answering;
using QaBot.Core.Tests.Infrastructure;
using QaBot.Suggestions;

namespace QaBot.Core.Tests;

public class SuggestionTests
{
    [Fact]
    public async Task Suggestions_after_an_answer_are_about_the_articles_it_did_not_cite_and_are_answered_from_them()
    {
        await using var services = QaBotTestHost.Build();
        await QaBotTestHost.IngestConfiguredCorpusAsync(services);
        var answers = services.GetRequiredService<AnswerService>();
        var answer = await answers.AskAsync(Seeds.HondaQuestion);

        var suggested = await services.GetRequiredService<SuggestedQuestions>().AfterAsync(answer, 3);

        var question = Assert.Single(suggested);
        var check = await answers.AskAsync(question);
        Assert.False(check.Declined, $"\"{question}\" was declined");
        Assert.Contains(check.Citations, c => c.PassageId.StartsWith("seeds/" + Seeds.NissanFile, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Welcome_examples_drop_a_configured_question_the_bot_declines()
    {
        await using var services = QaBotTestHost.Build();
        await QaBotTestHost.IngestConfiguredCorpusAsync(services);

        var examples = await services.GetRequiredService<SuggestedQuestions>().ExamplesAsync(["What is the boiling point of tungsten on Mars?", Seeds.HondaQuestion], 2);

        Assert.Equal(Seeds.HondaQuestion, examples[0]);
        Assert.Equal(2, examples.Count); // filled up with a question made from an article's title
        Assert.DoesNotContain("What is the boiling point of tungsten on Mars?", examples);
    }

    [Theory]
    [InlineData("Chelsea sack Mutu", new[] { "What does \"Chelsea sack Mutu\" report?", "Chelsea sack Mutu?" })]
    [InlineData("Nissan’s largest domestic factory drastically cuts production. Are Japanese cars at a crossroads",
        new[]
        {
            "Are Japanese cars at a crossroads?", "Nissan’s largest domestic factory drastically cuts production?", // "What does … report?" would not fit
            "What does \"Nissan’s largest domestic factory drastically cuts\" report?", "Nissan’s largest domestic factory drastically cuts?",
        })]
    [InlineData("Last night, a Japanese friend told me two pieces of news, both related to Chinese manufacturing",
        new[] { "What does \"Last night, a Japanese friend told me two pieces of news\" report?", "Last night, a Japanese friend told me two pieces of news?" })]
    public void Candidates_come_from_the_title_and_fit_a_button(string title, string[] expected) =>
        Assert.Equal(expected, SuggestedQuestions.Candidates(title));
}
