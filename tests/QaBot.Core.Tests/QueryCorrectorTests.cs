using QaBot.Retrieval;

namespace QaBot.Core.Tests;

/// <summary>Typo correction against the indexed text's own words. Text from the seed articles and the BBC corpus.</summary>
public class QueryCorrectorTests
{
    private static void Add(QueryCorrector corrector, params string[] sentences) =>
        corrector.AddCounts(KeywordEntry.Analyse(sentences.Select((s, i) => Passages.Chunk($"p{i}", s)).ToList()).Words());

    private static QueryCorrector Corrector()
    {
        var corrector = new QueryCorrector();
        string[] sentences = [
            "Nissan’s old models in the US market have encountered weak demand and serious inventory backlogs.",
            "Honda’s production cut plan in the Chinese market is the first time it has reduced its production scale in the region.",
            "Only Toyota had a slight increase of 6.8%, and the sales of Japanese cars dropped by 17.61% year-on-year.",
        ];
        Add(corrector, sentences);
        return corrector;
    }

    [Theory]
    [InlineData("how mcuh did toyota sales increse", "how much did toyota sales increase")]
    [InlineData("Why did Nisan cut producton?", "Why did Nissan cut production?")]
    [InlineData("inventroy backlogs", "inventory backlogs")]
    public void Out_of_vocabulary_words_become_the_nearest_indexed_word(string question, string expected) =>
        Assert.Equal(expected, Corrector().Correct(question));

    [Theory]
    [InlineData("Did Honda reduce production in the region?")]
    [InlineData("What happened in 2024?")]
    [InlineData("Did Zorblax cut the plan?")]
    public void Words_the_articles_use_and_unknown_names_far_from_any_word_stay(string question) =>
        Assert.Equal(question, Corrector().Correct(question));

    [Fact]
    public void Words_added_after_the_corrector_was_prepared_are_corrected_to()
    {
        var corrector = Corrector();
        corrector.Prepare();
        Assert.Equal("Did dunkng hurt?", corrector.Correct("Did dunkng hurt?"));

        Add(corrector, "Shares in Krispy Kreme Doughnuts have taken a dunking on Wall Street after the firm revealed it would have to restate its 2004 financial reports.");

        Assert.Equal("Did dunking hurt?", corrector.Correct("Did dunkng hurt?"));
    }

    [Theory]
    [InlineData("market", "makret", 1)]
    [InlineData("production", "prodcution", 1)]
    [InlineData("region", "reg", 3)]
    public void Distance_counts_transpositions_as_one_edit(string a, string b, int expected) =>
        Assert.Equal(expected, QueryCorrector.Distance(a, b, 5));
}
