namespace QaBot.Chunking;

/// <summary>A passage of an article: consecutive whole sentences plus the metadata a citation needs.</summary>
public sealed record Chunk(
    string Id,
    string DocumentId,
    string Title,
    string SourcePath,
    string? Url,
    DateOnly? Published,
    int Position,
    string Text)
{
    /// <summary>The text that is indexed and embedded: the title travels with every passage, as context.</summary>
    public string IndexText => Title + "\n" + Text;

    /// <summary>
    /// The passage's sentences as ingestion embeds them and the answerer scores them (their stored vectors are found
    /// by text). A paragraph break always ends a sentence, so a heading or a byline is never glued to the next one.
    /// </summary>
    public IEnumerable<string> Sentences() =>
        Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).SelectMany(p => SentenceSplitter.Split(p)).Select(s => s.Text);
}
