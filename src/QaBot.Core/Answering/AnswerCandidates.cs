using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Embedding;
using QaBot.Retrieval;
using QaBot.VectorStore;

namespace QaBot.Answering;

/// <summary>
/// Gathers what the answerer weighs for one question: its profile, its embedding (the one retrieval computed), and every
/// sentence of the retrieved passages with the stored sentence and passage vectors, as <see cref="AnswerFeatures"/>.
/// Separate from the fitted model so that <c>qabot calibrate</c> can compute features before any weights exist.
/// </summary>
public sealed class AnswerCandidates(
    IndexSnapshots index,
    [FromKeyedServices(OnnxEmbeddingGenerator.QueryKey)] IEmbeddingGenerator<string, Embedding<float>> queryEmbedder)
{
    public async Task<(QuestionProfile Profile, List<AnswerCandidate> Candidates)> FindAsync(string question, IReadOnlyList<RetrievedPassage> passages, CancellationToken cancellationToken)
    {
        var snapshot = index.Current;
        var profile = QuestionProfile.Analyze(question, snapshot.Statistics);
        if (passages.Count == 0 || profile.TotalWeight <= 0) return (profile, []);
        // The vector retrieval computed, not one from a new call: the int8 question model scales activations once per
        // run, so the question embedded beside its form without names would get another vector than it got alone.
        var q = passages is RetrievedPassages { QuestionVector.Length: > 0 } retrieved ? retrieved.QuestionVector
            : await queryEmbedder.GenerateVectorAsync(question, OnnxEmbeddingGenerator.QueryOptions, cancellationToken);
        // A question without names is its own form without names: no second embedding.
        var withoutNames = profile.TextWithoutNames();
        var qWithoutNames = withoutNames == question ? q
            : await queryEmbedder.GenerateVectorAsync(withoutNames, OnnxEmbeddingGenerator.QueryOptions, cancellationToken);

        var records = new Dictionary<string, PassageRecord>(StringComparer.Ordinal);
        await foreach (var r in snapshot.Passages.GetAsync(passages.Select(p => p.Chunk.Id), IndexSnapshot.WithVectors, cancellationToken)) records[r.Id] = r;
        var split = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var p in passages) split[p.Chunk.Id] = p.Chunk.Sentences().ToList();
        var keys = passages.SelectMany(p => split[p.Chunk.Id].Select(t => SentenceRecord.KeyFor(p.Chunk.DocumentId, t))).Distinct().ToList();
        var vectors = new Dictionary<Guid, ReadOnlyMemory<float>>();
        await foreach (var r in snapshot.Sentences.GetAsync(keys, IndexSnapshot.WithVectors, cancellationToken)) vectors[r.Id] = r.Embedding;

        var candidates = AnswerFeatures.Candidates(profile, q.Span, qWithoutNames.Span, passages,
            p => split[p.Chunk.Id].Select(t => (t, vectors.GetValueOrDefault(SentenceRecord.KeyFor(p.Chunk.DocumentId, t)))).ToList(),
            p => records.TryGetValue(p.Chunk.Id, out var r) ? r.Embedding : default,
            snapshot.Keywords.DocumentsWith);
        return (profile, candidates);
    }
}
