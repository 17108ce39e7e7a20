using QaBot.Text;

namespace QaBot.Core.Tests;

/// <summary>IDF weights, smoothed toward general English where the index is too small to say what is common.</summary>
public class TermStatisticsTests
{
    // Words of seeds/000 ("Toyota’s new generation Corolla uses BYD’s hybrid powertrain"): an everyday one and a
    // technical one, each in the same share of the index's passages.
    [Fact]
    public void Over_a_few_passages_an_everyday_word_weighs_less_than_a_rare_one_found_as_often()
    {
        var (common, rare) = (Term("new"), Term("powertrain"));
        var statistics = new TermStatistics();
        statistics.Add([new(common, 2), new(rare, 2)], documents: 26);

        Assert.True(BackgroundTerms.Frequency(common) > 100 * BackgroundTerms.Frequency(rare));
        Assert.True(statistics.Idf(common) < 0.8 * statistics.Idf(rare), $"{statistics.Idf(common)} against {statistics.Idf(rare)}");
    }

    [Fact]
    public void Over_a_large_index_its_own_counts_decide()
    {
        var (common, rare) = (Term("new"), Term("powertrain"));
        var statistics = new TermStatistics();
        statistics.Add([new(common, 400), new(rare, 400)], documents: 20_000);

        Assert.Equal(statistics.Idf(rare), statistics.Idf(common), 0.05);
    }

    [Fact]
    public void The_background_counts_are_the_analyzers_own_terms()
    {
        Assert.True(BackgroundTerms.Paragraphs > 10_000);
        // Stemmed and lower-cased as the index makes them: "uses" counts under "use", never under itself.
        Assert.True(BackgroundTerms.Frequency(Term("uses")) > 0);
        Assert.Equal(0, BackgroundTerms.Frequency("uses"));
    }

    private static string Term(string word) => TextAnalyzer.Terms(word).Single();
}
