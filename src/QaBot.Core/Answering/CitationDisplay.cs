using QaBot.Text;

namespace QaBot.Answering;

/// <summary>How every channel names a source: its title, and where to find the article.</summary>
public static class CitationDisplay
{
    /// <summary>The article's http(s) URL, or else its file relative to the corpus folder it came from ("seeds/002.txt").</summary>
    public static string Location(this Citation citation) => WebUrl.Safe(citation.Url) ?? citation.Source;
}
