using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Embedding;
using QaBot.Text;
using QaBot.VectorStore;

namespace QaBot.Retrieval;

/// <summary>
/// Hybrid retrieval: BM25 (exact words, names, numbers) and passage vectors (sub-words, paraphrase) each rank a
/// candidate pool, the sentence vectors of the articles they reached rank a third, and weighted reciprocal rank fusion
/// merges them. Passages from the articles a conversation is
/// already about get a boost, so a follow-up stays on them unless the new question clearly points elsewhere.
/// </summary>
public sealed class HybridRetriever(
    IndexSnapshots index,
    [FromKeyedServices(OnnxEmbeddingGenerator.QueryKey)] IEmbeddingGenerator<string, Embedding<float>> embedder,
    IOptions<RetrievalOptions> options)
{
    public static readonly ActivitySource ActivitySource = new("QaBot.Retrieval");

    /// <summary>Only passages of articles that have a publication date, or a URL: for questions about an article's metadata.</summary>
    private static readonly VectorSearchOptions<PassageRecord> Dated = new() { Filter = r => r.Published != null };
    private static readonly VectorSearchOptions<PassageRecord> Linked = new() { Filter = r => r.Url != null };

    /// <param name="query">The question.</param>
    /// <param name="focusDocuments">Articles the conversation is about, whose passages get a boost.</param>
    /// <param name="required">Metadata every returned passage's article must have; <see cref="ArticleMetadata.None"/> for all passages.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    public async Task<IReadOnlyList<RetrievedPassage>> RetrieveAsync(string query, IReadOnlyCollection<string>? focusDocuments = null, ArticleMetadata required = ArticleMetadata.None, CancellationToken cancellationToken = default)
    {
        using var activity = ActivitySource.StartActivity("retrieve");
        var o = options.Value;
        var snapshot = index.Current;

        var keywordHits = snapshot.Keywords.Search(QueryTerms(query), o.CandidatePool, required == ArticleMetadata.None ? null : c => c.Has(required));
        var embedding = await embedder.GenerateAsync(query, OnnxEmbeddingGenerator.QueryOptions, cancellationToken);
        var vectorHits = new List<PassageRecord>(o.CandidatePool);
        var vectorOptions = required switch { ArticleMetadata.PublicationDate => Dated, ArticleMetadata.Link => Linked, _ => null };
        await foreach (var hit in snapshot.Passages.SearchAsync(embedding.Vector, o.CandidatePool, vectorOptions, cancellationToken)) vectorHits.Add(hit.Record);

        var fused = new Dictionary<string, (Chunk Chunk, double Score, int? Keyword, int? Vector)>(StringComparer.Ordinal);
        for (var i = 0; i < keywordHits.Count; i++)
        {
            var chunk = keywordHits[i].Chunk;
            fused[chunk.Id] = (chunk, o.KeywordWeight / (o.RrfK + i + 1), i + 1, null);
        }
        for (var i = 0; i < vectorHits.Count; i++)
        {
            var record = vectorHits[i];
            var add = o.VectorWeight / (o.RrfK + i + 1);
            fused[record.Id] = fused.TryGetValue(record.Id, out var f)
                ? (f.Chunk, f.Score + add, f.Keyword, i + 1)
                : (record.ToChunk(), add, null, i + 1);
        }

        var reached = keywordHits.Take(o.SentenceReach).Select(h => h.Chunk.DocumentId)
            .Concat(vectorHits.Take(o.SentenceReach).Select(h => h.DocumentId)).Distinct(StringComparer.Ordinal);
        var sentenceHits = o.SentenceWeight > 0 ? await snapshot.SearchBySentenceAsync(embedding.Vector, o.CandidatePool, reached, cancellationToken) : [];
        // Most are in the other rankings already: only the rest are read from the store.
        var unseen = new Dictionary<string, Chunk>(StringComparer.Ordinal);
        await foreach (var r in snapshot.Passages.GetAsync(sentenceHits.Where(id => !fused.ContainsKey(id)), cancellationToken: cancellationToken)) unseen[r.Id] = r.ToChunk();
        for (var i = 0; i < sentenceHits.Count; i++)
        {
            var id = sentenceHits[i];
            var add = o.SentenceWeight / (o.RrfK + i + 1);
            if (fused.TryGetValue(id, out var f)) fused[id] = f with { Score = f.Score + add };
            else if (unseen.TryGetValue(id, out var chunk)) fused[id] = (chunk, add, null, null);
        }

        var results = fused.Values
            .Select(f => new RetrievedPassage(
                f.Chunk,
                focusDocuments is not null && focusDocuments.Contains(f.Chunk.DocumentId) ? f.Score * (1 + o.FocusBoost) : f.Score,
                f.Keyword,
                f.Vector))
            .OrderByDescending(p => p.Score)
            .ThenBy(p => p.Chunk.Id, StringComparer.Ordinal)
            .Take(o.TopK)
            .ToList();
        activity?.SetTag("qabot.passages", results.Count);
        return new RetrievedPassages(results, embedding.Vector);
    }

    /// <summary>The question's index terms, each once, for BM25.</summary>
    public static IReadOnlyList<(string Term, double Weight)> QueryTerms(string query) =>
        TextAnalyzer.Terms(query).Distinct(StringComparer.Ordinal).Select(t => (t, 1.0)).ToList();
}
