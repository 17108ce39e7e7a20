using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using QaBot.Answering;
using QaBot.Core.Tests.Infrastructure;
using QaBot.Ingestion;
using QaBot.Retrieval;
using QaBot.Text;
using QaBot.VectorStore;

namespace QaBot.Core.Tests;

/// <summary>
/// The persistent index through the real pipeline: a copy of seeds/ in a temporary folder, indexed into a temporary
/// index folder by fresh hosts, as successive runs of the bot would.
/// </summary>
public sealed class IndexStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("qabot-index-").FullName;

    private string Corpus => Path.Combine(_root, "articles");

    private string IndexPath => Path.Combine(_root, "index");

    public IndexStoreTests()
    {
        Directory.CreateDirectory(Corpus);
        foreach (var file in Directory.EnumerateFiles(RepositoryPaths.Seeds)) File.Copy(file, Path.Combine(Corpus, Path.GetFileName(file)));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<(IngestionReport Report, Answer Answer, List<(string Passage, double Score)> Keywords)> Run(string model = "MiniLM")
    {
        await using var services = QaBotTestHost.Build(new()
        {
            ["QaBot:Corpus:Paths:0"] = Corpus,
            ["QaBot:Index:Persist"] = "true",
            ["QaBot:Index:Path"] = IndexPath,
            ["QaBot:Embedding:LocalModel"] = model,
        });
        var report = await QaBotTestHost.IngestConfiguredCorpusAsync(services);
        var answer = await services.GetRequiredService<AnswerService>().AskAsync(Seeds.HondaQuestion);
        // BM25 over the stored keyword terms, which a loaded index does not re-analyse from the text.
        var keywords = services.GetRequiredService<IndexSnapshots>().Current.Keywords
            .Search(TextAnalyzer.Terms("Toyota sales production cut").Select(t => (t, 1.0)).ToList(), 5)
            .Select(r => (r.Chunk.Id, Math.Round(r.Score, 9))).ToList();
        return (report, answer, keywords);
    }

    /// <summary>The data file the manifest names (a replaced one stays for a while).</summary>
    private string DataFile()
    {
        var manifest = Directory.EnumerateFiles(IndexPath, "manifest.json", SearchOption.AllDirectories).Single();
        using var json = JsonDocument.Parse(File.ReadAllBytes(manifest));
        return Path.Combine(Path.GetDirectoryName(manifest)!, json.RootElement.GetProperty("DataFile").GetString()!);
    }

    [Fact]
    public async Task A_second_run_loads_the_index_instead_of_embedding_and_answers_the_same()
    {
        var first = await Run();
        Assert.Equal((2, 2), (first.Report.Documents, first.Report.Embedded));

        var second = await Run();
        Assert.Equal((2, 0), (second.Report.Documents, second.Report.Embedded));
        Assert.Equal(first.Report.Passages, second.Report.Passages);
        Assert.Equal(first.Answer.Text, second.Answer.Text);
        Assert.Equal(first.Answer.Citations.Select(c => c.Quote), second.Answer.Citations.Select(c => c.Quote));
        Assert.NotEmpty(first.Keywords);
        Assert.Equal(first.Keywords, second.Keywords);
    }

    [Fact]
    public async Task A_first_ingest_serves_what_it_stored_from_the_mapped_file()
    {
        await using var services = QaBotTestHost.Build(new() { ["QaBot:Corpus:Paths:0"] = Corpus, ["QaBot:Index:Persist"] = "true", ["QaBot:Index:Path"] = IndexPath });
        Assert.Equal(2, (await QaBotTestHost.IngestConfiguredCorpusAsync(services)).Embedded);

        var passages = new List<PassageRecord>();
        await foreach (var p in services.GetRequiredService<IndexSnapshots>().Current.Passages.GetAsync(p => p.DocumentId != "", 100, new() { IncludeVectors = true })) passages.Add(p);
        Assert.NotEmpty(passages);
        Assert.All(passages, p => Assert.True(MemoryMarshal.TryGetMemoryManager<float, MappedIndexFile>(p.Embedding, out _)));
        var answer = await services.GetRequiredService<AnswerService>().AskAsync(Seeds.HondaQuestion);
        Assert.False(answer.Declined);
    }

    [Fact]
    public async Task Only_added_and_changed_files_are_embedded_and_deleted_ones_are_dropped()
    {
        await Run();
        var files = Directory.GetFiles(Corpus).Order(StringComparer.Ordinal).ToList();
        await File.AppendAllTextAsync(files[0], "\n\nThe plant will also stop its night shift from next spring, the company said.\n");
        await File.WriteAllTextAsync(Path.Combine(Corpus, "extra.txt"), "Tyre makers report record orders\n\nTyre makers said orders reached a record in the third quarter.\n");

        var changed = await Run();
        Assert.Equal((3, 2, 0), (changed.Report.Documents, changed.Report.Embedded, changed.Report.Removed));

        File.Delete(files[1]);
        var deleted = await Run();
        Assert.Equal((2, 0, 1), (deleted.Report.Documents, deleted.Report.Embedded, deleted.Report.Removed));
        Assert.True(deleted.Answer.Declined || deleted.Answer.Citations.All(c => !c.Source.Contains(Path.GetFileName(files[1]), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_ingest_that_only_writes_the_index_lists_the_articles_serves_none_and_stores_what_the_next_run_loads()
    {
        async Task<IngestionReport> WriteOnly()
        {
            await using var services = QaBotTestHost.Build(new() { ["QaBot:Index:Persist"] = "true", ["QaBot:Index:Path"] = IndexPath });
            var report = await services.GetRequiredService<IngestionPipeline>().IngestAsync([Corpus], serve: false);
            Assert.Equal(report.Documents, services.GetRequiredService<DocumentCatalog>().Count);
            Assert.Equal(0, services.GetRequiredService<IndexSnapshots>().Current.Keywords.Count);
            return report;
        }

        var first = await WriteOnly();
        Assert.Equal((2, 2), (first.Documents, first.Embedded));
        Assert.Equal(0, (await WriteOnly()).Embedded);
        var files = Directory.GetFiles(Corpus).Order(StringComparer.Ordinal).ToList();
        await File.AppendAllTextAsync(files[0], "\n\nThe plant will also stop its night shift from next spring, the company said.\n");
        Assert.Equal(1, (await WriteOnly()).Embedded);

        var next = await Run();
        Assert.Equal((2, 0), (next.Report.Documents, next.Report.Embedded));
        Assert.False(next.Answer.Declined);
    }

    [Fact]
    public async Task The_same_process_re_indexes_only_what_changed_and_forgets_deleted_articles()
    {
        await using var services = QaBotTestHost.Build(new() { ["QaBot:Corpus:Paths:0"] = Corpus, ["QaBot:Index:Path"] = IndexPath });
        var pipeline = services.GetRequiredService<IngestionPipeline>();
        var catalog = services.GetRequiredService<DocumentCatalog>();
        Assert.Equal(2, (await pipeline.IngestAsync([Corpus])).Embedded);

        var files = Directory.GetFiles(Corpus).Order(StringComparer.Ordinal).ToList();
        await File.AppendAllTextAsync(files[0], "\n\nThe plant will also stop its night shift from next spring, the company said.\n");
        var changed = await pipeline.IngestAsync([Corpus]);
        Assert.Equal((2, 1), (changed.Documents, changed.Embedded));
        Assert.Equal(2, catalog.Count);
        var answer = await services.GetRequiredService<AnswerService>().AskAsync("When will the plant stop its night shift?");
        Assert.Contains("night shift", answer.Citations[0].Quote, StringComparison.Ordinal);

        File.Delete(files[1]);
        var deleted = await pipeline.IngestAsync([Corpus]);
        Assert.Equal((1, 0, 1), (deleted.Documents, deleted.Embedded, deleted.Removed));
        Assert.Equal(1, catalog.Count);
        var passages = await services.GetRequiredService<QaBot.Retrieval.HybridRetriever>().RetrieveAsync("Honda Toyota sales");
        Assert.All(passages, p => Assert.NotEqual(Path.GetFileName(files[1]), Path.GetFileName(p.Chunk.SourcePath)));
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    public async Task A_corrupt_or_half_written_index_is_rebuilt_not_served(string damage)
    {
        var first = await Run();
        var data = DataFile();
        var bytes = await File.ReadAllBytesAsync(data);
        if (damage == "flip") bytes[bytes.Length / 2] ^= 0x5A;
        else bytes = bytes[..(bytes.Length / 3)];
        await File.WriteAllBytesAsync(data, bytes);

        var rebuilt = await Run();
        Assert.Equal(2, rebuilt.Report.Embedded);
        Assert.Equal(first.Answer.Text, rebuilt.Answer.Text);
        Assert.Equal(0, (await Run()).Report.Embedded);
    }

    [Fact]
    public async Task An_index_a_newer_QaBot_wrote_is_answered_from_memory_and_left_as_it_is()
    {
        var first = await Run();
        var manifest = Directory.EnumerateFiles(IndexPath, "manifest.json", SearchOption.AllDirectories).Single();
        var newer = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(manifest))!;
        newer["Format"] = 99;
        await File.WriteAllTextAsync(manifest, newer.ToJsonString());
        var files = Directory.GetFiles(IndexPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        var served = await Run();

        Assert.Equal(2, served.Report.Embedded);
        Assert.Equal(first.Answer.Text, served.Answer.Text);
        Assert.Equal(newer.ToJsonString(), await File.ReadAllTextAsync(manifest));
        Assert.Equal(files, Directory.GetFiles(IndexPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));

        // `qabot ingest`, whose one job is the stored index, says why it cannot store it.
        await using var services = QaBotTestHost.Build(new() { ["QaBot:Index:Persist"] = "true", ["QaBot:Index:Path"] = IndexPath });
        var error = await Assert.ThrowsAsync<IngestionException>(() => services.GetRequiredService<IngestionPipeline>().IngestAsync([Corpus], serve: false));
        Assert.Contains("(QaBot:Index:Path)", error.Message, StringComparison.Ordinal);
        Assert.Contains("format 99, written by a newer QaBot", error.Message, StringComparison.Ordinal);
        Assert.Equal(newer.ToJsonString(), await File.ReadAllTextAsync(manifest));
    }

    [Fact]
    public async Task Another_embedding_model_forces_a_rebuild()
    {
        await Run("MiniLM");
        var other = await Run("ArcticXs");
        Assert.Equal(2, other.Report.Embedded);
    }

    [Fact]
    public void A_loaded_index_reads_vectors_and_passage_texts_in_place_and_saves_them_again_unchanged()
    {
        var store = new IndexStore(NullLogger<IndexStore>.Instance);
        var signature = new IndexSignature("test-model", 8, "test-chunking");
        var paragraphs = Directory.EnumerateFiles(RepositoryPaths.Seeds).Order(StringComparer.Ordinal)
            .SelectMany(f => File.ReadAllText(f).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)).ToList();
        var documents = new[] { Document("a", paragraphs[1], paragraphs[2]), Document("b", paragraphs[3]) };
        IndexStore.Save(IndexPath, signature, documents);

        var loaded = store.TryLoad(IndexPath, signature);
        Assert.NotNull(loaded);
        AssertSameDocuments(documents, loaded);
        // Nothing of the vectors is copied onto the heap: they are slices of the mapped file.
        Assert.All(loaded.SelectMany(d => d.ChunkVectors.Concat(d.SentenceVectors)), v => Assert.True(MemoryMarshal.TryGetMemoryManager<float, MappedIndexFile>(v, out _)));

        // Saved again beside a new article: the loaded ones keep their keyword encoding, the new one is numbered into it.
        List<IndexedDocument> next = [.. loaded, Document("c", paragraphs[4])];
        IndexStore.Save(IndexPath, signature, next);
        AssertSameDocuments(next, store.TryLoad(IndexPath, signature)!);
    }

    [Fact]
    public void Only_a_refusal_the_manifest_decides_is_settled_since_a_data_file_may_yet_read_whole()
    {
        var store = new IndexStore(NullLogger<IndexStore>.Instance);
        var signature = new IndexSignature("test-model", 8, "test-chunking");
        var paragraph = File.ReadAllText(Directory.EnumerateFiles(RepositoryPaths.Seeds).Order(StringComparer.Ordinal).First()).Split("\n\n")[1];
        IndexStore.Save(IndexPath, signature, [Document("a", paragraph)]);

        Assert.NotNull(store.TryLoad(IndexPath, signature, UnusableIndex.Wait, out var settled));
        Assert.False(settled);
        Assert.Null(store.TryLoad(IndexPath, signature with { Chunking = "other-chunking" }, UnusableIndex.Wait, out settled));
        Assert.True(settled);

        var data = DataFile();
        var bytes = File.ReadAllBytes(data);
        bytes[bytes.Length / 2] ^= 0x5A;
        File.WriteAllBytes(data, bytes);
        Assert.Null(store.TryLoad(IndexPath, signature, UnusableIndex.Wait, out settled));
        Assert.False(settled);
    }

    [Fact]
    public void A_replaced_data_file_is_kept_while_replicas_may_still_read_it_then_deleted()
    {
        Directory.CreateDirectory(IndexPath);
        var now = DateTime.UtcNow;
        string Written(string name, TimeSpan ago)
        {
            var path = Path.Combine(IndexPath, name);
            File.WriteAllBytes(path, [1]);
            File.SetLastWriteTimeUtc(path, now - ago);
            return path;
        }
        var oldest = Written("index-a.bin", TimeSpan.FromHours(2));
        var replacedLongAgo = Written("index-b.bin", TimeSpan.FromHours(1));
        var replacedRecently = Written("index-c.bin", TimeSpan.FromMinutes(30));
        var current = Written("index-d.bin", TimeSpan.FromMinutes(1));

        IndexStore.DeleteSuperseded(IndexPath, "index-d.bin", now, TimeSpan.FromMinutes(10));

        Assert.False(File.Exists(oldest));
        Assert.False(File.Exists(replacedLongAgo));
        Assert.True(File.Exists(replacedRecently));
        Assert.True(File.Exists(current));
    }

    private static IndexedDocument Document(string id, params string[] texts)
    {
        var random = new Random(id.GetHashCode(StringComparison.Ordinal));
        return IndexedDocuments.Create(id, _ =>
        {
            var v = Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            var norm = MathF.Sqrt(v.Sum(x => x * x));
            return v.Select(x => x / norm).ToArray();
        }, texts);
    }

    private static void AssertSameDocuments(IReadOnlyList<IndexedDocument> expected, IReadOnlyList<IndexedDocument> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal((e.Info, e.ContentHash), (a.Info, a.ContentHash));
            Assert.Equal(e.Chunks, a.Chunks);
            Assert.Equal(e.Chunks.Select(c => c.Text), a.Chunks.Select(c => c.Text));
            Assert.Equal(e.SentenceHashes, a.SentenceHashes);
            Assert.Equal(e.ChunkVectors.Concat(e.SentenceVectors).Select(v => v.ToArray()), a.ChunkVectors.Concat(a.SentenceVectors).Select(v => v.ToArray()), (x, y) => x.Zip(y).All(p => Math.Abs(p.First - p.Second) < 1e-6f));
            Assert.Equal(e.Keywords.PassageTerms().Select(Sorted), a.Keywords.PassageTerms().Select(Sorted));
            Assert.Equal(Sorted(e.Keywords.Words()), Sorted(a.Keywords.Words()));
            Assert.NotEmpty(a.Keywords.Words());
        }

        static List<KeyValuePair<string, int>> Sorted(IEnumerable<KeyValuePair<string, int>> counts) => [.. counts.OrderBy(c => c.Key, StringComparer.Ordinal)];
    }
}
