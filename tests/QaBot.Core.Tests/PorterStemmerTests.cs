using QaBot.Text;

namespace QaBot.Core.Tests;

/// <summary>Porter stemming as the analyzer uses it: words from the examples of Porter's 1980 paper.</summary>
public class PorterStemmerTests
{
    [Theory]
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("cats", "cat")]
    [InlineData("agreed", "agre")]
    [InlineData("plastered", "plaster")]
    [InlineData("motoring", "motor")]
    [InlineData("hopping", "hop")]
    [InlineData("falling", "fall")]
    [InlineData("happy", "happi")]
    [InlineData("connection", "connect")]
    [InlineData("connected", "connect")]
    [InlineData("generalization", "gener")]
    [InlineData("dropped", "drop")]
    public void Stems_as_Porter_published(string word, string stem) => Assert.Equal(stem, PorterStemmer.Stem(word));

    [Theory]
    [InlineData("24.2%")]
    [InlineData("Toyota")]
    [InlineData("na")]
    public void Leaves_numbers_capitals_and_short_words_alone(string word) => Assert.Equal(word, PorterStemmer.Stem(word));

    [Fact]
    public void Keeps_acronyms_and_the_month_May_that_lower_cased_would_be_stopwords()
    {
        Assert.Equal(["us", "sale"], TextAnalyzer.Terms("US sales"));
        Assert.Equal(["it", "firm"], TextAnalyzer.Terms("IT firms"));
        Assert.Equal([PorterStemmer.Stem("may"), "2005"], TextAnalyzer.Terms("in May 2005"));
        Assert.Equal(["see", "sale", "rise"], TextAnalyzer.Terms("let us see sales, it may rise"));
    }

    [Fact]
    public void Stems_the_same_from_many_threads()
    {
        var words = new[] { "connection", "happy", "motoring", "plastered" };
        var expected = words.Select(PorterStemmer.Stem).ToArray();
        Parallel.For(0, 2000, i => Assert.Equal(expected[i % words.Length], PorterStemmer.Stem(words[i % words.Length])));
    }
}
