namespace QaBot.Ingestion;

public sealed class PlainTextReader : IDocumentReader
{
    public IReadOnlyCollection<string> Extensions { get; } = [".txt", ".text"];

    public async Task<RawDocument> ReadAsync(string path, CancellationToken cancellationToken) =>
        new(await TextFile.ReadAsync(path, cancellationToken));
}
