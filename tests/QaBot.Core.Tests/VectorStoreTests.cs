using System.Numerics.Tensors;
using Microsoft.Extensions.VectorData;
using QaBot.VectorStore;

namespace QaBot.Core.Tests;

public class InMemoryVectorStoreTests
{
    private static PassageRecord Record(string id, string documentId, params float[] vector) => new()
    {
        Id = id,
        DocumentId = documentId,
        Title = "Title of " + documentId,
        SourcePath = documentId + ".txt",
        Text = "Text of " + id,
        Embedding = vector,
    };

    private static async Task<VectorStoreCollection<string, PassageRecord>> Collection(int dimensions = 3)
    {
        var collection = new InMemoryVectorStore().GetCollection<string, PassageRecord>("passages", PassageRecord.Definition(dimensions));
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(
        [
            Record("a", "doc1", 1, 0, 0),
            Record("b", "doc1", 0.9f, 0.1f, 0),
            Record("c", "doc2", 0.5f, 0.5f, 0),
            Record("d", "doc2", 0, 1, 0),
            Record("e", "doc3", -1, 0, 0),
        ]);
        return collection;
    }

    private static async Task<List<VectorSearchResult<PassageRecord>>> Search(VectorStoreCollection<string, PassageRecord> collection, float[] query, int top, VectorSearchOptions<PassageRecord>? options = null)
    {
        var results = new List<VectorSearchResult<PassageRecord>>();
        await foreach (var r in collection.SearchAsync(new ReadOnlyMemory<float>(query), top, options)) results.Add(r);
        return results;
    }

    private static List<string> Ids(IEnumerable<VectorSearchResult<PassageRecord>> results) => results.Select(r => r.Record.Id).ToList();

    [Fact]
    public async Task Returns_the_top_k_by_cosine_similarity_best_first()
    {
        var collection = await Collection();
        // The query is not unit length: cosine must not depend on it.
        var results = await Search(collection, [3, 0, 0], 3);
        Assert.Equal(["a", "b", "c"], Ids(results));
        Assert.Equal(1.0, results[0].Score!.Value, 5);
        Assert.Equal(0.9 / Math.Sqrt(0.82), results[1].Score!.Value, 5);
        Assert.Equal(Math.Sqrt(0.5), results[2].Score!.Value, 5);
    }

    [Fact]
    public async Task Asking_for_more_than_stored_returns_everything_in_order()
    {
        var results = await Search(await Collection(), [1, 0, 0], 50);
        Assert.Equal(["a", "b", "c", "d", "e"], Ids(results));
        Assert.Equal(-1.0, results[^1].Score!.Value, 5);
    }

    [Fact]
    public async Task Score_threshold_drops_weaker_matches()
    {
        var results = await Search(await Collection(), [1, 0, 0], 10, new() { ScoreThreshold = 0.8 });
        Assert.Equal(["a", "b"], Ids(results));
    }

    [Fact]
    public async Task Skip_pages_through_the_ranking()
    {
        var results = await Search(await Collection(), [1, 0, 0], 2, new() { Skip = 1 });
        Assert.Equal(["b", "c"], Ids(results));
    }

    [Fact]
    public async Task Filter_restricts_the_search_to_matching_records()
    {
        var results = await Search(await Collection(), [1, 0, 0], 10, new() { Filter = r => r.DocumentId == "doc2" });
        Assert.Equal(["c", "d"], Ids(results));
    }

    [Fact]
    public async Task Upsert_with_an_existing_key_replaces_the_record_and_its_vector()
    {
        var collection = await Collection();
        await collection.UpsertAsync(Record("a", "doc9", 0, 0, 1));
        var stored = await collection.GetAsync("a");
        Assert.Equal("doc9", stored!.DocumentId);
        Assert.Equal(5, ((InMemoryVectorStoreCollection<string, PassageRecord>)collection).Count);
        Assert.Equal("a", Ids(await Search(collection, [0, 0, 1], 1)).Single());
        Assert.Equal(["b", "c"], Ids(await Search(collection, [1, 0, 0], 2)));
    }

    [Fact]
    public async Task Deleted_records_are_gone_from_get_and_search_and_their_slot_is_reused()
    {
        var collection = await Collection();
        await collection.DeleteAsync("b");
        Assert.Null(await collection.GetAsync("b"));
        Assert.Equal(["a", "c", "d", "e"], Ids(await Search(collection, [1, 0, 0], 10)));

        await collection.UpsertAsync(Record("f", "doc4", 0.95f, 0.05f, 0));
        Assert.Equal(["a", "f", "c"], Ids(await Search(collection, [1, 0, 0], 3)));
        Assert.Equal(5, ((InMemoryVectorStoreCollection<string, PassageRecord>)collection).Count);
    }

    [Fact]
    public async Task Get_by_key_by_keys_and_by_filter()
    {
        var collection = await Collection();
        Assert.Equal("Text of c", (await collection.GetAsync("c"))!.Text);
        Assert.Null(await collection.GetAsync("missing"));

        var byKeys = new List<string>();
        await foreach (var r in collection.GetAsync(["d", "missing", "a"])) byKeys.Add(r.Id);
        Assert.Equal(["d", "a"], byKeys);

        var byFilter = new List<string>();
        await foreach (var r in collection.GetAsync(r => r.DocumentId == "doc1", top: 10)) byFilter.Add(r.Id);
        Assert.Equal(["a", "b"], byFilter.Order());

        var limited = new List<string>();
        await foreach (var r in collection.GetAsync(r => r.DocumentId != "doc3", top: 2, new() { OrderBy = o => o.Descending(r => r.Id) })) limited.Add(r.Id);
        Assert.Equal(["d", "c"], limited);
    }

    [Fact]
    public async Task Vectors_of_the_wrong_dimension_are_rejected()
    {
        var collection = await Collection();
        var upsert = await Assert.ThrowsAsync<ArgumentException>(() => collection.UpsertAsync(Record("x", "doc1", 1, 0, 0, 0)));
        Assert.Contains("4-dimensional", upsert.Message, StringComparison.Ordinal);
        Assert.Null(await collection.GetAsync("x"));
        await Assert.ThrowsAsync<ArgumentException>(() => Search(collection, [1, 0], 1));
    }

    [Fact]
    public async Task Searches_run_consistently_while_another_task_upserts_thousands_of_records()
    {
        const int dimensions = 32;
        var collection = new InMemoryVectorStoreCollection<string, PassageRecord>("concurrent", PassageRecord.Definition(dimensions));
        var random = new Random(42);
        float[] RandomVector() => Enumerable.Range(0, dimensions).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        await collection.UpsertAsync(Enumerable.Range(0, 500).Select(i => Record($"seed{i}", "seed", RandomVector())));

        // New keys and overwrites of existing ones, in batches, so the arrays grow and slots change under the readers.
        var batches = Enumerable.Range(0, 60)
            .Select(b => Enumerable.Range(0, 100).Select(i => Record(i % 4 == 0 ? $"seed{(b * 100 + i) % 500}" : $"w{b}-{i}", "w", RandomVector())).ToList())
            .ToList();
        var queries = Enumerable.Range(0, 16).Select(_ => RandomVector()).ToList();

        using var writing = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            try
            {
                foreach (var batch in batches) await collection.UpsertAsync(batch);
            }
            finally { writing.Cancel(); }
        });
        var searches = 0;
        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(async () =>
        {
            // Keep searching until the writer is done, and at least a few times.
            for (var n = 0; n < 10 || !writing.IsCancellationRequested; n++)
            {
                var query = queries[(r * 7 + n) % queries.Count];
                var results = await Search(collection, query, 10);
                Assert.Equal(10, results.Count);
                for (var i = 0; i < results.Count; i++)
                {
                    if (i > 0) Assert.True(results[i - 1].Score >= results[i].Score, "results out of order");
                    // The score must be the one of the record returned: a torn write would pair a record with another's vector.
                    var expected = TensorPrimitives.CosineSimilarity(query, results[i].Record.Embedding.Span);
                    Assert.Equal(expected, results[i].Score!.Value, 4);
                }
                Interlocked.Increment(ref searches);
            }
        })).ToList();

        await Task.WhenAll(readers.Append(writer));
        Assert.True(searches >= 30);
        Assert.Equal(500 + 60 * 75, collection.Count);
    }

    [Fact]
    public async Task A_large_collection_returns_exactly_the_brute_force_top_k()
    {
        // Above a few thousand records the store pre-selects candidates on int8 copies of the vectors; the result
        // must still be the exact cosine top-k, with exact scores, filters and paging applied.
        const int dimensions = 64;
        var random = new Random(7);
        var records = Enumerable.Range(0, 6000)
            .Select(i => Record($"r{i}", $"doc{i % 3}", Enumerable.Range(0, dimensions).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()))
            .ToList();
        var collection = new InMemoryVectorStoreCollection<string, PassageRecord>("large", PassageRecord.Definition(dimensions));
        await collection.UpsertAsync(records);

        for (var q = 0; q < 10; q++)
        {
            var query = Enumerable.Range(0, dimensions).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var exact = records
                .Select(r => (r.Id, r.DocumentId, Score: TensorPrimitives.CosineSimilarity(query, r.Embedding.Span)))
                .OrderByDescending(x => x.Score)
                .ToList();

            var results = await Search(collection, query, 10);
            Assert.Equal(exact.Take(10).Select(x => x.Id), Ids(results));
            Assert.Equal(exact[0].Score, results[0].Score!.Value, 4);

            var filtered = await Search(collection, query, 5, new() { Filter = r => r.DocumentId == "doc1", Skip = 3 });
            Assert.Equal(exact.Where(x => x.DocumentId == "doc1").Skip(3).Take(5).Select(x => x.Id), Ids(filtered));
        }
    }

    [Fact]
    public async Task Records_upserted_after_the_first_search_made_the_int8_codes_are_found_too()
    {
        // The codes are made by the first two-stage search; later upserts (new keys and overwrites) must keep them current.
        const int dimensions = 32;
        var random = new Random(11);
        float[] RandomVector() => Enumerable.Range(0, dimensions).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var collection = new InMemoryVectorStoreCollection<string, PassageRecord>("late", PassageRecord.Definition(dimensions));
        await collection.UpsertAsync(Enumerable.Range(0, 5000).Select(i => Record($"r{i}", "doc", RandomVector())));
        var query = RandomVector();
        Assert.Equal(5, (await Search(collection, query, 5)).Count);

        await collection.UpsertAsync([Record("new", "doc", query), Record("r7", "doc", query.Select(x => -x).ToArray())]);
        Assert.Equal("new", Ids(await Search(collection, query, 1)).Single());
        Assert.Equal("r7", Ids(await Search(collection, query.Select(x => -x).ToArray(), 1)).Single());
    }

    [Fact]
    public async Task Store_lists_checks_and_deletes_collections()
    {
        var store = new InMemoryVectorStore();
        var kept = store.GetCollection<string, PassageRecord>("kept", PassageRecord.Definition(3));
        await kept.EnsureCollectionExistsAsync();
        _ = store.GetCollection<string, PassageRecord>("never-created", PassageRecord.Definition(3));

        var names = new List<string>();
        await foreach (var name in store.ListCollectionNamesAsync()) names.Add(name);
        Assert.Equal(["kept"], names);
        Assert.True(await store.CollectionExistsAsync("kept"));
        Assert.False(await store.CollectionExistsAsync("never-created"));
        Assert.False(await store.CollectionExistsAsync("unknown"));

        await kept.UpsertAsync(Record("a", "doc1", 1, 0, 0));
        await store.EnsureCollectionDeletedAsync("kept");
        Assert.False(await store.CollectionExistsAsync("kept"));
        Assert.Null(await kept.GetAsync("a"));
        await foreach (var name in store.ListCollectionNamesAsync()) Assert.Fail($"unexpected collection {name}");
    }

    [Fact]
    public async Task Same_name_returns_the_same_collection()
    {
        var store = new InMemoryVectorStore();
        var first = store.GetCollection<string, PassageRecord>("p", PassageRecord.Definition(3));
        await first.UpsertAsync(Record("a", "doc1", 1, 0, 0));
        var second = store.GetCollection<string, PassageRecord>("p", PassageRecord.Definition(3));
        Assert.Same(first, second);
        Assert.Throws<InvalidOperationException>(() => store.GetCollection<int, PassageRecord>("p", PassageRecord.Definition(3)));
    }
}
