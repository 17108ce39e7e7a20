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
}
