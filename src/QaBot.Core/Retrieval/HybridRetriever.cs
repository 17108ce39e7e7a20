using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
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

    public async Task<IReadOnlyList<RetrievedPassage>> RetrieveAsync(string query, IReadOnlyCollection<string>? focusDocuments = null, CancellationToken cancellationToken = default)
    {
        using var activity = ActivitySource.StartActivity("retrieve");
        var o = options.Value;
        var snapshot = index.Current;

        var keywordHits = snapshot.Keywords.Search(QueryTerms(query), o.CandidatePool);
        var embedding = await embedder.GenerateAsync(query, OnnxEmbeddingGenerator.QueryOptions, cancellationToken);
        var vectorHits = new List<PassageRecord>(o.CandidatePool);
        await foreach (var hit in snapshot.Passages.SearchAsync(embedding.Vector, o.CandidatePool, cancellationToken: cancellationToken)) vectorHits.Add(hit.Record);

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

        var reached = keywordHits.Select(h => h.Chunk.DocumentId).Concat(vectorHits.Select(h => h.DocumentId)).Distinct(StringComparer.Ordinal);
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
        return results;
    }

    /// <summary>The question's index terms, each once, for BM25.</summary>
    public static IReadOnlyList<(string Term, double Weight)> QueryTerms(string query) =>
        TextAnalyzer.Terms(query).Distinct(StringComparer.Ordinal).Select(t => (t, 1.0)).ToList();
}
