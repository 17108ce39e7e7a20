namespace QaBot.Ingestion;

public sealed class PlainTextReader : IDocumentReader
{
    public IReadOnlyCollection<string> Extensions { get; } = [".txt", ".text"];

    public Task<RawDocument> ReadAsync(string path, CancellationToken cancellationToken) =>
        Task.FromResult(new RawDocument(TextFile.Read(path, cancellationToken)));
}
