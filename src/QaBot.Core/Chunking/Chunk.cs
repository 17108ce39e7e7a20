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
    private readonly StoredText? _stored;

    /// <summary>A passage whose text stays in a stored index and is read from it when asked for.</summary>
    internal Chunk(string id, string documentId, string title, string sourcePath, string? url, DateOnly? published, int position, StoredText stored)
        : this(id, documentId, title, sourcePath, url, published, position, Text: null!) => _stored = stored;

    public string Text { get => field ?? _stored!.Value.Read(); init; } = Text;

    /// <summary>The text that is indexed and embedded: the title travels with every passage, as context.</summary>
    public string IndexText => Title + "\n" + Text;

    /// <summary>
    /// The passage's sentences as ingestion embeds them and the answerer scores them (their stored vectors are found
    /// by text). A paragraph break always ends a sentence, so a heading or a byline is never glued to the next one.
    /// </summary>
    public IEnumerable<string> Sentences() =>
        Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).SelectMany(p => SentenceSplitter.Split(p)).Select(s => s.Text);

    /// <summary>Equal by what the passage says and where it comes from, wherever its text is held.</summary>
    public bool Equals(Chunk? other) =>
        other is not null && Id == other.Id && DocumentId == other.DocumentId && Title == other.Title && SourcePath == other.SourcePath
        && Url == other.Url && Published == other.Published && Position == other.Position && Text == other.Text;

    public override int GetHashCode() => HashCode.Combine(Id, Position);

    /// <summary>Whether the passage's article has that piece of metadata (every passage has <see cref="ArticleMetadata.None"/>).</summary>
    public bool Has(ArticleMetadata metadata) => metadata switch
    {
        ArticleMetadata.PublicationDate => Published is not null,
        ArticleMetadata.Link => Url is not null,
        ArticleMetadata.Title => Title.Length > 0,
        _ => true,
    };
}

/// <summary>A piece of an article's metadata that a question can ask for instead of its text.</summary>
public enum ArticleMetadata { None, PublicationDate, Link, Title }

/// <summary>Where a passage's text is kept outside the managed heap: a string written at an offset of a source.</summary>
internal readonly record struct StoredText(IStoredTexts Source, long Offset)
{
    public string Read() => Source.ReadString(Offset);
}

/// <summary>A read-only store of length-prefixed strings, as <see cref="BinaryWriter.Write(string)"/> writes them.</summary>
internal interface IStoredTexts
{
    string ReadString(long byteOffset);
}
