using Microsoft.Extensions.Options;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Core.Tests.Infrastructure;
using QaBot.Embedding;
using QaBot.Retrieval;
using QaBot.Text;
using QaBot.VectorStore;

namespace QaBot.Core.Tests;

internal static class Passages
{
    public static Chunk Chunk(string id, string text, string? documentId = null, string title = "News") =>
        new(id, documentId ?? id, title, id + ".txt", null, null, 0, text);
}

public sealed class KeywordIndexTests : IDisposable
{
    private readonly TermStatistics _statistics = new();
    private readonly KeywordIndex _index;

    public KeywordIndexTests() => _index = new KeywordIndex(_statistics, new QueryCorrector(), Options.Create(new RetrievalOptions()));

    public void Dispose() => _index.Dispose();

    private List<string> Search(string query, int top = 10) =>
        _index.Search(HybridRetriever.QueryTerms(query), top).Select(r => r.Chunk.Id).ToList();

    [Fact]
    public void A_passage_with_the_term_beats_passages_without_it()
    {
        _index.Add([
            Passages.Chunk("toyota", "Toyota sales rose slightly this year in China."),
            Passages.Chunk("honda", "Honda sales fell sharply this year in China."),
            Passages.Chunk("weather", "Rain is expected across the north tomorrow."),
        ]);
        Assert.Equal(["honda"], Search("Honda"));
        Assert.Equal("honda", Search("Honda sales this year")[0]);
    }

    [Fact]
    public void A_rarer_term_weighs_more_than_a_common_one()
    {
        _index.Add([
            Passages.Chunk("rare", "Mitsubishi joined the alliance after long talks."),
            Passages.Chunk("common", "Sales joined the agenda after long talks."),
            .. Enumerable.Range(0, 8).Select(i => Passages.Chunk($"filler{i}", $"Sales figures for region {i} were published today.")),
        ]);
        Assert.True(_statistics.Idf("mitsubishi") > _statistics.Idf("sale"));
        var ranked = Search("Mitsubishi sales");
        Assert.Equal("rare", ranked[0]);
        Assert.True(ranked.IndexOf("rare") < ranked.IndexOf("common"));
    }

    [Theory]
    [InlineData("dropped")]
    [InlineData("dropping")]
    [InlineData("drops")]
    public void Stemming_matches_other_forms_of_a_word(string query)
    {
        _index.Add([Passages.Chunk("drop", "Exports drop as demand weakens."), Passages.Chunk("other", "Exports rise as demand grows.")]);
        Assert.Equal(["drop"], Search(query));
    }

    [Fact]
    public void Numbers_match_as_written_including_decimals()
    {
        _index.Add([
            Passages.Chunk("exact", "Honda's sales dropped by 24.2% this year."),
            Passages.Chunk("near", "Sales dropped by 24% last year and 2.2% before."),
        ]);
        Assert.Equal(["exact"], Search("24.2"));
        Assert.Equal(["exact"], Search("24.2%"));
    }

    [Fact]
    public void The_title_is_searchable_with_the_text()
    {
        _index.Add([Passages.Chunk("p", "The plant will close in March.", title: "Nissan cuts output"), Passages.Chunk("q", "The shop will open in May.")]);
        Assert.Equal(["p"], Search("Nissan"));
    }

    [Fact]
    public void Removed_passages_are_no_longer_found_and_statistics_follow()
    {
        _index.Add([Passages.Chunk("a", "Chip sales surged in Korea."), Passages.Chunk("b", "Chip sales slowed in Japan.")]);
        Assert.Equal(2, _statistics.DocumentFrequency("chip"));

        _index.Remove("a");
        Assert.Equal(1, _index.Count);
        Assert.Equal(1, _statistics.DocumentFrequency("chip"));
        Assert.Equal(1, _statistics.DocumentCount);
        Assert.Empty(Search("Korea"));
        Assert.Equal(["b"], Search("chip sales"));
    }

    [Fact]
    public void Adding_a_passage_again_replaces_it()
    {
        _index.Add([Passages.Chunk("a", "Chip sales surged in Korea.")]);
        _index.Add([Passages.Chunk("a", "Steel output fell in Brazil.")]);
        Assert.Equal(1, _index.Count);
        Assert.Empty(Search("Korea"));
        Assert.Equal(["a"], Search("Brazil"));
        Assert.Equal(0, _statistics.DocumentFrequency("korea"));
    }

    [Fact]
    public void The_articles_holding_a_term_are_those_of_its_passages_and_follow_removals()
    {
        // From the BBC corpus: two articles on the PlayStation 3 chip, and one on Intel's light-moving chips.
        _index.Add([
            Passages.Chunk("cell#0", "Sony, IBM and Toshiba have released limited data about the so-called Cell chip that will be able to carry out trillions of calculations per second.", "cell"),
            Passages.Chunk("cell#1", "IBM said it would start producing the chip in early 2005 at manufacturing plants in the US.", "cell"),
            Passages.Chunk("intel#0", "Intel has unveiled research that could mean data is soon being moved around chips at the speed of light.", "intel"),
        ]);
        Assert.Equal(["cell"], _index.DocumentsWith("ibm"));
        Assert.Equal(["cell", "intel"], _index.DocumentsWith("chip").Order());
        Assert.Empty(_index.DocumentsWith("nokia"));

        // One passage of the article gone, another still names IBM.
        _index.Remove("cell#0");
        Assert.Equal(["cell"], _index.DocumentsWith("ibm"));
        Assert.Empty(_index.DocumentsWith("toshiba"));
    }

    [Fact]
    public void Top_limits_the_results()
    {
        _index.Add(Enumerable.Range(0, 20).Select(i => Passages.Chunk($"p{i}", $"Market report number {i}.")));
        Assert.Equal(5, Search("market report", top: 5).Count);
    }
}

/// <summary>
/// The retriever over the real keyword index, embedder and vector store. Vectors are stored deliberately (the
/// embedding of a chosen text, not of the passage's own) so each ranker's order is known and fusion is what is tested.
/// </summary>
public sealed class HybridRetrieverTests : IDisposable
{
    private readonly TermStatistics _statistics = new();
    private readonly KeywordIndex _keywords;
    private readonly InMemoryVectorStoreCollection<string, PassageRecord> _vectors = new("passages", PassageRecord.Definition(SentenceModel.Dimensions));
    private readonly InMemoryVectorStoreCollection<Guid, SentenceRecord> _sentences = new("sentences", SentenceRecord.Definition(SentenceModel.Dimensions));
    private readonly OnnxEmbeddingGenerator _embedder = new(SentenceModel.MiniLM);

    public HybridRetrieverTests() => _keywords = new KeywordIndex(_statistics, new QueryCorrector(), Options.Create(new RetrievalOptions()));

    public void Dispose()
    {
        _keywords.Dispose();
        _vectors.Dispose();
        _sentences.Dispose();
        _embedder.Dispose();
    }

    private HybridRetriever Retriever(int candidatePool = 2, double focusBoost = 0.5) => new(Index(), _embedder,
        Options.Create(new RetrievalOptions { CandidatePool = candidatePool, TopK = 10, FocusBoost = focusBoost }));

    private IndexSnapshots Index()
    {
        return new IndexSnapshots(new IndexSnapshot(_keywords, _vectors, _sentences), () => throw new NotSupportedException());
    }

    private async Task Add(params (Chunk Chunk, string VectorOf)[] passages)
    {
        _keywords.Add(passages.Select(p => p.Chunk));
        var vectors = await _embedder.GenerateAsync(passages.Select(p => p.VectorOf), OnnxEmbeddingGenerator.QueryOptions);
        await _vectors.UpsertAsync(passages.Select((p, i) => PassageRecord.From(p.Chunk, vectors[i].Vector)));
    }

    [Fact]
    public async Task A_passage_found_by_both_rankers_outranks_one_found_by_one()
    {
        const string query = "Honda sales";
        await Add(
            // Best by BM25 (the words twice), but its vector is far from the query.
            (Passages.Chunk("keyword-only", "Honda sales and more Honda sales."), "Rain across the north of Scotland"),
            // Second by BM25, and its vector equals the query's: first by vector.
            (Passages.Chunk("both", "Honda sales report for the year with many other words in it."), query),
            // Not a keyword match at all; second by vector.
            (Passages.Chunk("vector-only", "Quarterly figures were published."), "Honda sales figures"));

        var results = await Retriever(candidatePool: 2).RetrieveAsync(query);

        Assert.Equal(["both", "keyword-only", "vector-only"], results.Select(r => r.Chunk.Id));
        Assert.Equal((2, 1), (results[0].KeywordRank, results[0].VectorRank));
        Assert.Equal((1, (int?)null), (results[1].KeywordRank, results[1].VectorRank));
        Assert.Equal(((int?)null, 2), (results[2].KeywordRank, results[2].VectorRank));
        // Weighted RRF with the defaults: keyword 1.0, vector 0.7, k = 60.
        Assert.Equal(1.0 / 62 + 0.7 / 61, results[0].Score, 10);
        Assert.Equal(1.0 / 61, results[1].Score, 10);
    }

    [Fact]
    public async Task Focus_boost_moves_a_passage_of_the_focus_document_up()
    {
        const string query = "Toyota sales";
        await Add(
            (Passages.Chunk("other#0", "Toyota sales rose in Europe.", "other"), query),
            (Passages.Chunk("focus#0", "Toyota sales rose in Asia, the report said.", "focus"), "Toyota sales report"));

        var plain = await Retriever(candidatePool: 10).RetrieveAsync(query);
        Assert.Equal("other#0", plain[0].Chunk.Id);

        var focused = await Retriever(candidatePool: 10).RetrieveAsync(query, focusDocuments: ["focus"]);
        Assert.Equal("focus#0", focused[0].Chunk.Id);
        var before = plain.Single(p => p.Chunk.Id == "focus#0").Score;
        Assert.Equal(before * 1.5, focused[0].Score, 10);
    }

    [Theory]
    [InlineData(ArticleMetadata.PublicationDate, "dated#0")]
    [InlineData(ArticleMetadata.Link, "linked#0")]
    public async Task A_search_for_articles_with_some_metadata_returns_only_theirs(ArticleMetadata required, string expected)
    {
        const string query = "Nissan production cuts";
        await Add(
            // The best match by both rankers has neither a date nor a URL.
            (Passages.Chunk("plain#0", "Nissan production cuts."), query),
            (Passages.Chunk("dated#0", "Nissan said production at its largest plant will be cut next year.") with { Published = new DateOnly(2025, 2, 14) }, "Nissan factory"),
            (Passages.Chunk("linked#0", "Nissan production news of the week, among other stories.") with { Url = "https://example.com/nissan" }, "Nissan"));

        var all = await Retriever(candidatePool: 10).RetrieveAsync(query);
        var scoped = await Retriever(candidatePool: 10).RetrieveAsync(query, required: required);

        Assert.Equal("plain#0", all[0].Chunk.Id);
        Assert.Equal([expected], scoped.Select(r => r.Chunk.Id));
    }
}

/// <summary>
/// Passages found through their sentences' vectors: a long passage with one sentence on the question ranks low by its
/// own vector (the sum of its sentences'). Sentences from a seed article.
/// </summary>
public sealed class SentenceSearchTests : IDisposable
{
    private const string Scrapping = "Scrapping old items for new ones is an example.";
    private const string Yuan = "This year, out of the 1.1 trillion yuan in sales, the majority came from domestic brands.";
    private const string Huawei = "For a period of time, Huawei notebook sales increased by 60%.";
    private static readonly string[] Sentences = [Scrapping, Yuan, Huawei];

    private readonly OnnxEmbeddingGenerator _embedder = new(SentenceModel.MiniLM);

    public void Dispose() => _embedder.Dispose();

    /// <summary>Each sentence on its own axis, and every passage on a fourth, so the closest sentence is known.</summary>
    private static ReadOnlyMemory<float> Axis(int i) => Enumerable.Range(0, 4).Select(d => d == i ? 1f : 0f).ToArray();

    private static ReadOnlyMemory<float> AxisOf(string text) => Axis(Array.IndexOf(Sentences, text) is >= 0 and var i ? i : 3);

    private static async Task<List<string>> Search(IndexSnapshot snapshot, int axis) =>
        await snapshot.SearchBySentenceAsync(Axis(axis), 1, ["article"], CancellationToken.None);

    [Fact]
    public async Task A_sentence_brings_the_passages_that_hold_it_and_a_changed_article_is_mapped_again()
    {
        var snapshot = IndexSnapshot.Create(Options.Create(new RetrievalOptions()), 4);
        var before = IndexedDocuments.Create("article", AxisOf, $"{Scrapping} {Yuan}", $"{Yuan} {Huawei}");
        await snapshot.AddAsync([before], CancellationToken.None);

        Assert.Equal(["article#1"], await Search(snapshot, 2));
        // A sentence in the overlap of two passages brings both, in the article's order.
        Assert.Equal(["article#0", "article#1"], await Search(snapshot, 1));

        // The article changes: the sentence moves to the first passage, and the mapping made above is not reused.
        await snapshot.RemoveAsync(before, CancellationToken.None);
        await snapshot.AddAsync([IndexedDocuments.Create("article", AxisOf, $"{Huawei} {Scrapping}", Yuan)], CancellationToken.None);
        Assert.Equal(["article#0"], await Search(snapshot, 2));
        Assert.Equal(["article#1"], await Search(snapshot, 1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_sentence_ranking_searches_only_the_articles_within_its_reach(int reach)
    {
        // "near" is first by keywords and by its passage vector; "far" is reached only as the vector ranking's second,
        // but holds the sentence closest to the question.
        const string riceCookers = "The situation of rushing to Japan to buy rice cookers and toilet seats has also disappeared.";
        const string question = "How much did Huawei laptop sales go up?";
        var embedded = await _embedder.GenerateAsync([question, riceCookers]);
        var (closest, away) = (embedded[0].Vector, embedded[1].Vector);
        ReadOnlyMemory<float> VectorOf(string text) => text is Scrapping || text == $"{Yuan} {Huawei}" ? closest : away;
        var snapshot = IndexSnapshot.Create(Options.Create(new RetrievalOptions()), SentenceModel.Dimensions);
        await snapshot.AddAsync([IndexedDocuments.Create("near", VectorOf, $"{Yuan} {Huawei}"), IndexedDocuments.Create("far", VectorOf, $"{Scrapping} {riceCookers}")], CancellationToken.None);
        var options = new RetrievalOptions { KeywordWeight = 0, VectorWeight = 0, SentenceWeight = 1, CandidatePool = 2, SentenceReach = reach };
        var retriever = new HybridRetriever(new IndexSnapshots(snapshot, () => throw new NotSupportedException()), _embedder, Options.Create(options));

        var results = await retriever.RetrieveAsync(question);

        Assert.Equal(["near#0", "far#0"], results.OrderBy(r => r.VectorRank).Select(r => r.Chunk.Id));
        var far = results.Single(r => r.Chunk.Id == "far#0");
        Assert.Equal(reach == 1 ? 0 : 1.0 / (options.RrfK + 1), far.Score, 10);
    }

    [Theory]
    [InlineData(0.35)]
    [InlineData(0.0)]
    public async Task The_retriever_fuses_the_sentence_ranking_with_its_own_weight(double weight)
    {
        // Passage vectors point away from the question and no keyword weighs: only the sentences can rank.
        var texts = Sentences.Append("How much did Huawei laptop sales go up?").ToList();
        var vectors = (await _embedder.GenerateAsync(texts)).Select(e => e.Vector).ToList();
        ReadOnlyMemory<float> VectorOf(string text) => texts.IndexOf(text) is >= 0 and var i ? vectors[i] : vectors[0];
        var snapshot = IndexSnapshot.Create(Options.Create(new RetrievalOptions()), SentenceModel.Dimensions);
        await snapshot.AddAsync([IndexedDocuments.Create("article", VectorOf, Scrapping, $"{Yuan} {Huawei}")], CancellationToken.None);
        var options = new RetrievalOptions { KeywordWeight = 0, VectorWeight = 0, SentenceWeight = weight, CandidatePool = 1 };
        var retriever = new HybridRetriever(new IndexSnapshots(snapshot, () => throw new NotSupportedException()), _embedder, Options.Create(options));

        var results = await retriever.RetrieveAsync(texts[^1]);

        var best = results.MaxBy(r => r.Score)!;
        Assert.Equal(weight / (options.RrfK + 1), best.Score, 10);
        if (weight > 0) Assert.Equal("article#1", best.Chunk.Id);
    }
}
