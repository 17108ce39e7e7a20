namespace QaBot.Ingestion;

/// <summary>An article after loading and cleaning: the body text plus what we know about it.</summary>
/// <param name="Id">Stable id: the path relative to the folder it was ingested from, with forward slashes.</param>
/// <param name="Title">The article's title, or its first sentence when it has none.</param>
/// <param name="SourcePath">The file as users see it: its path relative to the corpus folder it came from, that folder's name first ("seeds/001.txt").</param>
/// <param name="Url">The original article's address, when the text or markup names it.</param>
/// <param name="Published">The publication date, when the text or markup names it.</param>
/// <param name="Paragraphs">The body, boilerplate removed, one entry per paragraph.</param>
public sealed record SourceDocument(
    string Id,
    string Title,
    string SourcePath,
    string? Url,
    DateOnly? Published,
    IReadOnlyList<string> Paragraphs);

/// <summary>What a format reader extracts before cleaning. Markup formats may already know title, date and URL.</summary>
public sealed record RawDocument(string Text, string? Title = null, string? Url = null, DateOnly? Published = null);
