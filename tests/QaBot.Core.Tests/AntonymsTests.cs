using QaBot.Text;

namespace QaBot.Core.Tests;

/// <summary>The WordNet antonym list, read by index terms.</summary>
public class AntonymsTests
{
    [Theory]
    [InlineData("increased", "decreased")]
    [InlineData("largest", "smallest")]
    [InlineData("cheaper", "expensive")]
    [InlineData("win", "lose")]
    public void Opposites_are_found_both_ways_whatever_the_inflection(string word, string opposite)
    {
        var (a, b) = (TextAnalyzer.Terms(word).Single(), TextAnalyzer.Terms(opposite).Single());

        Assert.Contains(b, Antonyms.Of(a));
        Assert.Contains(a, Antonyms.Of(b));
    }

    [Theory]
    [InlineData("sales")]
    [InlineData("Nissan")]
    public void A_word_without_an_opposite_has_none(string word) =>
        Assert.Empty(Antonyms.Of(TextAnalyzer.Terms(word).Single()));
}
