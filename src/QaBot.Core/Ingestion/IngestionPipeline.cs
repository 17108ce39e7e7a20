using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Retrieval;
using QaBot.VectorStore;

namespace QaBot.Ingestion;

public enum IngestionStage { Reading, Embedding }

/// <summary>Progress of a long ingestion, for a progress bar: stage, items done, items in all.</summary>
public readonly record struct IngestionProgress(IngestionStage Stage, int Done, int Total);

public sealed record IngestionReport(int Documents, int Passages, TimeSpan Elapsed);

/// <summary>Ingestion stopped part-way; the message says where, and that a rerun resumes.</summary>
public sealed class IngestionException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// files → <see cref="DocumentLoader"/> → <see cref="Chunker"/> → keyword index (which also updates the term
/// statistics the local embedder weighs by) → embeddings in batches → vector store. Each batch is stored as soon as it
/// is embedded, so a failure part-way keeps what was already done.
/// </summary>
public sealed partial class IngestionPipeline(
    DocumentLoader loader,
    Chunker chunker,
    KeywordIndex keywords,
    VectorStoreCollection<string, PassageRecord> vectors,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    DocumentCatalog catalog,
    IOptions<IngestionOptions> options,
    ILogger<IngestionPipeline> logger)
{
    public static readonly ActivitySource ActivitySource = new("QaBot.Ingestion");

    public async Task<IngestionReport> IngestAsync(IEnumerable<string> roots, IProgress<IngestionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var activity = ActivitySource.StartActivity("ingest");
        var stopwatch = Stopwatch.StartNew();
        var rootList = roots.Select(PathResolver.Resolve).ToList();
        var files = loader.FindFiles(rootList).Count;
        var documents = await loader.LoadAsync(rootList, new Progress<int>(n => progress?.Report(new(IngestionStage.Reading, n, files))), cancellationToken);

        var chunksByDocument = documents.AsParallel().AsOrdered().Select(d => (Document: d, Chunks: chunker.Split(d))).ToList();
        var chunks = chunksByDocument.SelectMany(x => x.Chunks).ToList();
        keywords.Add(chunks);

        await vectors.EnsureCollectionExistsAsync(cancellationToken);
        var batchSize = options.Value.EmbeddingBatchSize;
        var reused = 0;
        for (var start = 0; start < chunks.Count; start += batchSize)
        {
            var batch = chunks.GetRange(start, Math.Min(batchSize, chunks.Count - start));
            // Resumable: passages already stored with the same text (from an earlier, interrupted run) keep their
            // embeddings, so a remote embedder is not paid twice and a failure part-way loses nothing.
            var stored = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var record in vectors.GetAsync(batch.Select(c => c.Id), cancellationToken: cancellationToken))
            {
                stored.Add(record.Id + "\n" + record.Text);
            }
            var missing = batch.Where(c => !stored.Contains(c.Id + "\n" + c.Text)).ToList();
            reused += batch.Count - missing.Count;
            if (missing.Count > 0)
            {
                GeneratedEmbeddings<Embedding<float>> embeddings;
                try
                {
                    embeddings = await embedder.GenerateAsync(missing.Select(c => c.IndexText), cancellationToken: cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    throw new IngestionException(
                        $"Embedding failed for passages {start + 1}–{start + batch.Count} of {chunks.Count}: {ex.Message} " +
                        $"The {start} passages before them are stored; run the ingestion again to resume from there.", ex);
                }
                await vectors.UpsertAsync(missing.Select((c, i) => PassageRecord.From(c, embeddings[i].Vector)), cancellationToken);
            }
            progress?.Report(new(IngestionStage.Embedding, start + batch.Count, chunks.Count));
        }
        if (reused > 0) LogReused(logger, reused);

        foreach (var (d, c) in chunksByDocument) catalog.Add(new DocumentInfo(d.Id, d.Title, d.SourcePath, d.Url, d.Published, c.Count));
        var report = new IngestionReport(documents.Count, chunks.Count, stopwatch.Elapsed);
        LogIngested(logger, report.Documents, report.Passages, (long)report.Elapsed.TotalMilliseconds);
        activity?.SetTag("qabot.documents", report.Documents);
        activity?.SetTag("qabot.passages", report.Passages);
        return report;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept the stored embeddings of {Passages} unchanged passages")]
    private static partial void LogReused(ILogger logger, int passages);

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed {Documents} documents as {Passages} passages in {ElapsedMs} ms")]
    private static partial void LogIngested(ILogger logger, int documents, int passages, long elapsedMs);
}
