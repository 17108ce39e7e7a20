using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Hashing;
using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Embedding;
using QaBot.Retrieval;
using QaBot.Text;
using QaBot.VectorStore;

namespace QaBot.Ingestion;

public enum IngestionStage { Reading, Embedding }

/// <summary>Progress of a long ingestion, for a progress bar: stage, items done, items in all.</summary>
public readonly record struct IngestionProgress(IngestionStage Stage, int Done, int Total);

/// <param name="Documents">Articles in the index.</param>
/// <param name="Passages">Their passages.</param>
/// <param name="Embedded">Articles embedded in this run (new or changed); the others came from the stored index.</param>
/// <param name="Removed">Articles dropped from the stored index because their files are gone.</param>
public sealed record IngestionReport(int Documents, int Passages, TimeSpan Elapsed, int Embedded = 0, int Removed = 0, string? IndexFolder = null);

/// <summary>Ingestion stopped part-way; the message says where, and that a rerun resumes.</summary>
public sealed class IngestionException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// files → content hash → (unchanged: the stored index) or (new/changed: <see cref="DocumentLoader"/> →
/// <see cref="Chunker"/> → sentences → embeddings) → keyword index, vector store collections and the persistent
/// <see cref="IndexStore"/>. Only new or changed files are embedded; a different model or chunking rebuilds all.
/// </summary>
public sealed partial class IngestionPipeline(
    DocumentLoader loader,
    Chunker chunker,
    IndexSnapshots index,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    [FromKeyedServices(OnnxEmbeddingGenerator.QueryKey)] IEmbeddingGenerator<string, Embedding<float>> questionEmbedder,
    DocumentCatalog catalog,
    IndexStore store,
    IOptions<IngestionOptions> options,
    IOptions<IndexOptions> indexOptions,
    IOptions<ChunkingOptions> chunkingOptions,
    ILogger<IngestionPipeline> logger)
{
    public static readonly ActivitySource ActivitySource = new("QaBot.Ingestion");

    /// <summary>Articles embedded by this process, so a re-ingestion (or a rerun after a failure) without a stored index pays only for what changed.</summary>
    private readonly ConcurrentDictionary<string, IndexedDocument> _embedded = new(StringComparer.Ordinal);

    /// <summary>What this process has put into the keyword index and the vector store, by article id.</summary>
    private readonly ConcurrentDictionary<string, IndexedDocument> _inMemory = new(StringComparer.Ordinal);

    /// <summary>Indexes the articles under <paramref name="roots"/>, re-embedding only what changed since the stored index.</summary>
    /// <param name="serve">
    /// False for a process that only writes the index (<c>qabot ingest</c>): the catalog of articles is filled, but
    /// not the keyword index and the vector store, and nothing is made ready for questions beyond caching the
    /// question model's optimised graph when it is not yet kept.
    /// </param>
    public async Task<IngestionReport> IngestAsync(IEnumerable<string> roots, IProgress<IngestionProgress>? progress = null, bool serve = true, CancellationToken cancellationToken = default)
    {
        using var activity = ActivitySource.StartActivity("ingest");
        var stopwatch = Stopwatch.StartNew();
        // The same folder named twice is indexed once; two folders of the same name would give the same article ids,
        // so the first one's file wins.
        var rootList = roots.Select(PathResolver.Resolve).DistinctBy(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r)), StringComparer.Ordinal).ToList();
        var files = loader.FindFiles(rootList).DistinctBy(f => f.Id, StringComparer.Ordinal).ToList();
        var folder = indexOptions.Value.Persist ? IndexFolder(indexOptions.Value.Path, rootList) : null;
        var signature = Signature();
        // Loading the model that embeds questions takes a second on one core; it overlaps with reading the corpus and the
        // stored index. Both get threads of their own: on the thread pool of a 2-core machine they would hold both of its
        // threads, and the file hashing below would wait for the pool to grow. The passages' model (when it is another)
        // loads only once some article needs embedding.
        // A process that only writes the index loads it only to leave its optimised graph for the servers that follow.
        var warmUp = questionEmbedder.GetService<OnnxEmbeddingGenerator>() is { } local && (serve || local.NeedsCaching) ? OwnThread(local.Load) : Task.CompletedTask;
        // A running process ingests again when a file changed, so its passages' model will be needed: load it beside the
        // hashing rather than after it.
        var passageModel = embedder.GetService<OnnxEmbeddingGenerator>();
        var passageWarmUp = passageModel is not null && !_inMemory.IsEmpty ? OwnThread(passageModel.Load) : null;
        // The answerer's antonym list and the background term counts, read here rather than in the first question.
        var lexicon = serve ? OwnThread(() => Antonyms.Count + BackgroundTerms.Paragraphs) : Task.CompletedTask;
        // A fresh process holds nothing, so it reads the stored index whatever the hashes say: read it while hashing.
        var storedRead = folder is not null && files.Count > 0 && _inMemory.IsEmpty && _embedded.IsEmpty
            ? OwnThread(() => store.TryLoad(folder, signature))
            : null;
        var hashes = new string[files.Count];
        await Parallel.ForAsync(0, files.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount * 2 }, async (i, ct) =>
        {
            // Streamed, so an oversized file (skipped later by the loader) is never held in memory whole.
            var hash = new XxHash128();
            try
            {
                // Unbuffered: the hash reads in large blocks of its own, and a buffer per file is garbage per file.
                await using (var stream = new FileStream(files[i].Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0)) await hash.AppendAsync(stream, ct);
                hashes[i] = Convert.ToHexStringLower(hash.GetCurrentHash());
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Matches no stored hash, so the file goes to the loader, which skips it with the reason: one file that
                // cannot be read must not stop the corpus.
                hashes[i] = "";
            }
        });
        // What this process already holds is preferred; the stored index is read only when it may hold more.
        var stored = new Dictionary<string, IndexedDocument>(_inMemory, StringComparer.Ordinal);
        foreach (var (id, d) in _embedded) stored.TryAdd(id, d);
        var known = files.Select((f, i) => stored.TryGetValue(f.Id, out var d) && d.ContentHash == hashes[i]).All(k => k);
        var hashed = stopwatch.Elapsed;
        var persistedDocuments = storedRead is not null ? await storedRead : folder is null || known ? null : store.TryLoad(folder, signature);
        var read = stopwatch.Elapsed;
        foreach (var d in persistedDocuments ?? []) stored.TryAdd(d.Info.Id, d);
        var persisted = persistedDocuments?.Select(d => d.Info.Id).ToList() ?? [];

        var result = new IndexedDocument?[files.Count];
        var changed = new List<int>();
        for (var i = 0; i < files.Count; i++)
        {
            if (stored.TryGetValue(files[i].Id, out var d) && d.ContentHash == hashes[i]) result[i] = Relocated(d, files[i].Id);
            else changed.Add(i);
        }
        var prefixes = RootPrefixes(rootList);
        var held = _inMemory.Keys.Where(id => prefixes.Any(p => id.StartsWith(p, StringComparison.Ordinal)));
        var removed = persisted.Union(held, StringComparer.Ordinal).Except(files.Select(f => f.Id), StringComparer.Ordinal).Count();

        passageWarmUp ??= changed.Count > 0 && passageModel is not null ? OwnThread(passageModel.Load) : Task.CompletedTask;
        var loaded = await loader.LoadAsync(changed.Select(i => files[i]).ToList(), new Progress<int>(n => progress?.Report(new(IngestionStage.Reading, n, changed.Count))), cancellationToken);
        var byId = loaded.ToDictionary(d => d.Id, StringComparer.Ordinal);
        var pending = changed.Where(i => byId.ContainsKey(files[i].Id)).ToList();
        // What a failed or interrupted embedding keeps, if it embedded anything: a model that failed at once (an
        // unreachable endpoint) must not replace the stored index of another model with an empty one.
        bool EmbeddedAny() => pending.Any(i => result[i] is not null);
        try
        {
            await EmbedAsync(pending, i => byId[files[i].Id], hashes, result, progress, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Interrupted (Ctrl-C): what was embedded is kept too.
            if (folder is not null && EmbeddedAny()) Store(folder, signature, result.OfType<IndexedDocument>().ToList(), required: false);
            throw;
        }
        catch (Exception ex)
        {
            // Keep what was embedded: the stored index then holds it, and a rerun embeds only the rest.
            var done = result.OfType<IndexedDocument>().ToList();
            if (folder is not null && EmbeddedAny()) Store(folder, signature, done, required: false);
            throw new IngestionException(
                $"Embedding failed after {done.Count} of {files.Count} articles: {ex.Message} " +
                $"The {done.Count} articles before it are stored; run the ingestion again to resume from there.", ex);
        }

        var documents = result.OfType<IndexedDocument>().ToList();
        var embeddedAt = stopwatch.Elapsed;
        // A first ingest that embedded most of the corpus stores it before serving it, and serves what it stored: the
        // vectors and passage texts it just made then stay in the mapped file instead of on the managed heap.
        var saved = folder is not null && _inMemory.IsEmpty && pending.Count > documents.Count / 2;
        if (saved && Store(folder!, signature, documents, required: !serve))
        {
            if (serve && store.TryLoad(folder!, signature, UnusableIndex.ServeEmbedded) is { } reloaded && reloaded.Count == documents.Count)
            {
                documents = [.. reloaded];
                foreach (var d in documents.Where(d => _embedded.ContainsKey(d.Info.Id))) _embedded[d.Info.Id] = d;
            }
        }
        var upgrade = persisted.Count > 0 && IndexStore.IsOutdated(folder!);
        // Writing the index file and filling the in-memory index only read the documents, and each keeps a core busy.
        var saving = !saved && folder is not null && (pending.Count > 0 || removed > 0 || upgrade || (!known && persisted.Count != documents.Count))
            ? OwnThread(() => Store(folder, signature, documents, required: !serve))
            : Task.CompletedTask;
        try
        {
            if (serve)
            {
                await LoadAsync(documents, rootList, cancellationToken);
                // Not awaited: a question that needs the corrector before it is ready builds what it needs itself.
                _ = OwnThread(index.Current.Vocabulary.Prepare);
            }
            else
            {
                foreach (var d in documents) catalog.Add(d.Info);
            }
        }
        catch
        {
            // The write is not left running behind the failure it would outlive.
            await saving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        var filled = stopwatch.Elapsed;
        await Task.WhenAll(warmUp, passageWarmUp, lexicon);
        LogPhases(logger, (long)hashed.TotalMilliseconds, (long)(read - hashed).TotalMilliseconds, (long)(filled - embeddedAt).TotalMilliseconds, (long)(stopwatch.Elapsed - filled).TotalMilliseconds);
        await saving;

        var report = new IngestionReport(documents.Count, documents.Sum(d => d.Chunks.Count), stopwatch.Elapsed, pending.Count, removed, folder);
        LogIngested(logger, report.Documents, report.Passages, report.Embedded, report.Removed, (long)report.Elapsed.TotalMilliseconds);
        activity?.SetTag("qabot.documents", report.Documents);
        activity?.SetTag("qabot.passages", report.Passages);
        return report;
    }

    /// <summary>
    /// Writes the index to <paramref name="folder"/>. A folder that cannot be written costs a process that serves only
    /// the next start's embedding, so it warns and goes on; it is an error naming the setting when the stored index is
    /// <paramref name="required"/> (<c>qabot ingest</c>'s one job). What an interrupted or failed ingest keeps is never
    /// required, so a failure to keep it does not hide why the ingest stopped.
    /// </summary>
    private bool Store(string folder, IndexSignature signature, IReadOnlyCollection<IndexedDocument> documents, bool required)
    {
        try
        {
            IndexStore.Save(folder, signature, documents);
            return true;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            if (required) throw new IngestionException($"The index could not be stored in {folder} (QaBot:Index:Path): {ex.Message}", ex);
            LogNotStored(logger, folder, ex.Message);
            return false;
        }
    }

    private static Task OwnThread(Action work) => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Task<T> OwnThread<T>(Func<T> work) => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>
    /// The index folder of a set of corpus folders, named by the folders' names (not their full paths), so a copy of
    /// the corpus elsewhere, or on another machine, finds the same index and re-embeds only what differs.
    /// </summary>
    public static string IndexFolder(string basePath, IReadOnlyList<string> roots)
    {
        var names = roots.Select(r => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(r)))).ToList();
        var slug = string.Join("+", names.Select(n => new string(n.Where(char.IsAsciiLetterOrDigit).Take(16).ToArray())));
        var hash = XxHash3.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", names)));
        return Path.Combine(basePath, $"{(slug.Length > 48 ? slug[..48] : slug)}-{hash:x16}");
    }

    /// <summary>What a stored index must have been built with for this process to use it.</summary>
    public IndexSignature Signature()
    {
        var metadata = embedder.GetService<EmbeddingGeneratorMetadata>();
        var c = chunkingOptions.Value;
        return new IndexSignature(
            $"{metadata?.ProviderName}/{metadata?.DefaultModelId}",
            metadata?.DefaultModelDimensions ?? 0,
            // The version says how text is split into sentences: v3 ends a sentence after a reference mark ("[3]"), v4
            // not after an abbreviation that stands before a number ("ca. 2 million").
            $"max{c.MaxChars}-min{c.MinChars}-overlap{c.OverlapSentences}-v4");
    }

    /// <summary>
    /// Embeds each article's title and sentences (each once: overlapping passages repeat them), at most
    /// <see cref="IngestionOptions.EmbeddingBatchSize"/> texts per call. An article is finished, and kept even if a later
    /// call fails, once all its texts are embedded. A passage's vector is the normalised sum of its sentences' and its
    /// title's, which costs no second pass of the model over the same words.
    /// </summary>
    private async Task EmbedAsync(List<int> pending, Func<int, SourceDocument> document, string[] hashes, IndexedDocument?[] result, IProgress<IngestionProgress>? progress, CancellationToken cancellationToken)
    {
        var prepared = pending.AsParallel().AsOrdered().Select(i =>
        {
            var d = document(i);
            var chunks = chunker.Split(d);
            var sentenceTexts = chunks.SelectMany(c => c.Sentences()).Distinct(StringComparer.Ordinal).ToList();
            return (Index: i, Document: d, Chunks: chunks, Sentences: sentenceTexts, Keywords: KeywordEntry.Analyse(chunks));
        }).ToList();
        var texts = prepared.SelectMany(p => p.Sentences.Prepend(p.Document.Title)).ToList();
        var vectors = new ReadOnlyMemory<float>[texts.Count];
        var batchSize = options.Value.EmbeddingBatchSize;
        var next = 0;
        var offset = 0;
        for (var start = 0; start < texts.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, texts.Count - start);
            var embedded = await embedder.GenerateAsync(texts.GetRange(start, count), cancellationToken: cancellationToken);
            for (var k = 0; k < count; k++) vectors[start + k] = embedded[k].Vector;
            progress?.Report(new(IngestionStage.Embedding, start + count, texts.Count));
            // Finish every article whose texts are now all embedded.
            while (next < prepared.Count && offset + prepared[next].Sentences.Count + 1 <= start + count)
            {
                var (i, d, chunks, sentenceTexts, keywords) = prepared[next];
                var title = vectors[offset];
                var sentenceVectors = vectors.AsSpan(offset + 1, sentenceTexts.Count).ToArray();
                var position = sentenceTexts.Select((t, n) => (t, n)).ToDictionary(x => x.t, x => x.n, StringComparer.Ordinal);
                var chunkVectors = chunks.Select(c => (ReadOnlyMemory<float>)Sum(c.Sentences().Select(t => sentenceVectors[position[t]]).Append(title))).ToList();
                var indexed = new IndexedDocument(new DocumentInfo(d.Id, d.Title, d.SourcePath, d.Url, d.Published, chunks.Count), hashes[i], chunks, chunkVectors, sentenceTexts.ConvertAll(SentenceRecord.Hash), sentenceVectors, keywords);
                result[i] = indexed;
                _embedded[d.Id] = indexed;
                offset += sentenceTexts.Count + 1;
                next++;
            }
        }

        static float[] Sum(IEnumerable<ReadOnlyMemory<float>> vectors)
        {
            float[]? sum = null;
            foreach (var v in vectors)
            {
                sum ??= new float[v.Length];
                TensorPrimitives.Add(sum, v.Span, sum);
            }
            sum ??= [];
            var norm = TensorPrimitives.Norm(sum);
            if (norm > 0) TensorPrimitives.Divide(sum, norm, sum);
            return sum;
        }
    }

    /// <summary>An unchanged article is cited by its id (its path in the corpus folder), whatever an older stored index says.</summary>
    private static IndexedDocument Relocated(IndexedDocument d, string sourcePath) => d.Info.SourcePath == sourcePath ? d : d with
    {
        Info = d.Info with { SourcePath = sourcePath },
        Chunks = d.Chunks.Select(c => c with { SourcePath = sourcePath }).ToList(),
    };


    /// <summary>The article-id prefixes of corpus folders ("bbc/"): ids are paths under the folder's name.</summary>
    private static List<string> RootPrefixes(IEnumerable<string> roots) =>
        roots.Select(r => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))) + "/").ToList();

    /// <summary>
    /// Puts the articles into the keyword index, the vector store and the catalog. Articles this process already holds
    /// unchanged are left as they are, and the ones of the same folders that are gone are taken out, so re-indexing a
    /// corpus with one changed file costs about that one file.
    /// </summary>
    private async Task LoadAsync(List<IndexedDocument> documents, IReadOnlyCollection<string> roots, CancellationToken cancellationToken)
    {
        // Ingestion updates the index in use in place (a replica swaps whole generations instead: IndexReplica).
        var snapshot = index.Current;
        var current = documents.Select(d => d.Info.Id).ToHashSet(StringComparer.Ordinal);
        var prefixes = RootPrefixes(roots);
        var gone = _inMemory.Values.Where(d => !current.Contains(d.Info.Id) && prefixes.Any(p => d.Info.Id.StartsWith(p, StringComparison.Ordinal))).ToList();
        var fresh = documents.Where(d => !_inMemory.TryGetValue(d.Info.Id, out var held) || !ReferenceEquals(held, d)).ToList();
        foreach (var d in gone.Concat(fresh.Where(f => _inMemory.ContainsKey(f.Info.Id)).Select(f => _inMemory[f.Info.Id])))
        {
            await snapshot.RemoveAsync(d, cancellationToken);
            catalog.Remove(d.Info.Id);
            _inMemory.TryRemove(d.Info.Id, out _);
        }

        await snapshot.AddAsync(fresh, cancellationToken);
        foreach (var d in fresh)
        {
            catalog.Add(d.Info);
            _inMemory[d.Info.Id] = d;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ingestion phases: hashing {HashMs} ms, then reading the stored index {ReadMs} ms more, filling the keyword index and vector store {FillMs} ms, then waiting for the model {ModelWaitMs} ms")]
    private static partial void LogPhases(ILogger logger, long hashMs, long readMs, long fillMs, long modelWaitMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The index could not be stored in {Folder} ({Reason}); the next start embeds again. Point QaBot:Index:Path at a writable folder, or set QaBot:Index:Persist to false")]
    private static partial void LogNotStored(ILogger logger, string folder, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed {Documents} documents as {Passages} passages ({Embedded} embedded, {Removed} removed, the rest from the stored index) in {ElapsedMs} ms")]
    private static partial void LogIngested(ILogger logger, int documents, int passages, int embedded, int removed, long elapsedMs);
}
