namespace QaBot.Ingestion;

/// <summary>Reads one file format into text. Registered in DI; the loader picks a reader by file extension.</summary>
public interface IDocumentReader
{
    IReadOnlyCollection<string> Extensions { get; }

    Task<RawDocument> ReadAsync(string path, CancellationToken cancellationToken);
}
