using System.Numerics.Tensors;
using QaBot.Retrieval;
using QaBot.Text;

namespace QaBot.Answering;

/// <summary>A sentence that could answer the question, where it was found, the sentence before it, and its features.</summary>
public sealed record AnswerCandidate(RetrievedPassage Passage, int Rank, string Sentence, double[] Features, string? Previous = null);

/// <summary>
/// The general signals the calibrated answerer weighs, for every sentence of the retrieved passages. Nothing here is
/// tied to a corpus or a question: meaning (cosine of question and sentence, and of question and passage), words
/// (IDF-weighted coverage of the question by the sentence, by the sentence with its predecessor, by the passage),
/// the passage's retrieval rank, whether the sentence holds the kind of value asked for, how much it adds beyond the
/// question's own words, whether it (and its whole article) names the question's names, and how close it is in meaning to
/// what the question asks about them (the question without its names). Features that did not improve the check half of
/// the large development sets (a change-direction thesaurus, a list of reason words) were removed. The weights come from <c>qabot calibrate</c>.
/// </summary>
public static class AnswerFeatures
{
    /// <summary>Feature names, in vector order; the weights file names them so a stale file is detected.</summary>
    public static readonly string[] Names =
    [
        "cos_sentence", "cos_sentence_gap", "cos_passage", "cov_sentence", "cov_sentence_gap", "cov_context", "cov_passage",
        "rank_prior", "answer_kind", "novelty", "log_length", "names_missing", "cos_context", "lead", "cov_bigram", "cos_without_names",
        "names_missing_article",
    ];

    // Where the features that the decline evidence, the rival check and the gaps to the best candidate read sit in a candidate's vector.
    internal static readonly int CosSentence = Array.IndexOf(Names, "cos_sentence");
    internal static readonly int CosPassage = Array.IndexOf(Names, "cos_passage");
    internal static readonly int CovSentence = Array.IndexOf(Names, "cov_sentence");
    internal static readonly int CovPassage = Array.IndexOf(Names, "cov_passage");
    internal static readonly int ValueScore = Array.IndexOf(Names, "answer_kind");
    internal static readonly int NamesMissing = Array.IndexOf(Names, "names_missing");
    private static readonly int CosSentenceGap = Array.IndexOf(Names, "cos_sentence_gap");
    private static readonly int CovSentenceGap = Array.IndexOf(Names, "cov_sentence_gap");
    private static readonly int NamesMissingArticle = Array.IndexOf(Names, "names_missing_article");

    /// <summary>Question-level signals for the decline decision, computed from the candidates.</summary>
    public static readonly string[] DeclineNames =
    [
        "best_logit", "logit_margin", "best_cos", "best_cov", "best_cov_passage", "best_names_missing", "numbers_missing",
        "names_missing_passage", "top_cos_passage", "missing_term_passage", "missing_term_context", "value_missing", "counted_missing", "asks_reason",
        "negation_missing", "numbers_elsewhere", "antonym_swap",
    ];

    public static List<AnswerCandidate> Candidates(
        QuestionProfile profile,
        ReadOnlySpan<float> question,
        ReadOnlySpan<float> questionWithoutNames,
        IReadOnlyList<RetrievedPassage> passages,
        Func<RetrievedPassage, IReadOnlyList<(string Text, ReadOnlyMemory<float> Vector)>> sentencesOf,
        Func<RetrievedPassage, ReadOnlyMemory<float>> passageVector,
        Func<string, IReadOnlySet<string>> articlesWith)
    {
        var candidates = new List<AnswerCandidate>();
        var questionPairs = Pairs(TextAnalyzer.Terms(profile.Text));
        var pair = new float[question.Length];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var articlesNaming = profile.Names.Select(articlesWith).ToList();
        for (var rank = 0; rank < passages.Count; rank++)
        {
            var passage = passages[rank];
            var passageTerms = TermSet(passage.Chunk.IndexText);
            var covPassage = Coverage(profile, passageTerms);
            // Names the passage's whole article never mentions: among look-alike articles, one about someone else.
            var missingArticle = articlesNaming.Count == 0 ? 0 : (double)articlesNaming.Count(a => !a.Contains(passage.Chunk.DocumentId)) / articlesNaming.Count;
            var pv = passageVector(passage);
            var cosPassage = pv.Length == question.Length ? TensorPrimitives.CosineSimilarity(question, pv.Span) : 0;
            var sentences = sentencesOf(passage);
            HashSet<string>? previous = null;
            string? previousText = null;
            ReadOnlyMemory<float> previousVector = default;
            for (var index = 0; index < sentences.Count; index++)
            {
                var (text, vector) = sentences[index];
                var ordered = TextAnalyzer.Terms(text);
                var terms = ordered.ToHashSet(StringComparer.Ordinal);
                var context = previous is null ? terms : new HashSet<string>(terms.Concat(previous), StringComparer.Ordinal);
                var hasVector = vector.Length == question.Length;
                var cos = hasVector ? TensorPrimitives.CosineSimilarity(question, vector.Span) : 0;
                var cosContext = cos;
                if (hasVector && previousVector.Length == question.Length)
                {
                    // The sentence read with its predecessor ("It said ..." after the sentence naming "it").
                    TensorPrimitives.Add(vector.Span, previousVector.Span, pair);
                    cosContext = TensorPrimitives.CosineSimilarity(question, pair);
                }
                var before = previousText;
                previous = terms;
                previousText = text;
                previousVector = vector;
                // Overlapping passages repeat sentences: each is scored once, at its best rank.
                if (!seen.Add(text)) continue;
                // Text that instructs the reader (or the bot) is never an answer, whatever it matches.
                if (ReaderDirectives.IsDirective(text)) continue;
                var novel = terms.Count == 0 ? 0 : (double)terms.Count(t => !profile.Words.Contains(t) && profile.Terms.All(q => q.Stem != t)) / terms.Count;
                // Names the sentence (read with its predecessor) does not mention: it is probably about someone else.
                var names = profile.Names.Count == 0 ? 0 : (double)profile.Names.Count(n => !context.Contains(n)) / profile.Names.Count;
                // The gaps to the best candidate (cosine, coverage, names missing from the article) are filled in below.
                candidates.Add(new AnswerCandidate(passage, rank, text,
                [
                    cos, 0, cosPassage, Coverage(profile, terms), 0, Coverage(profile, context), covPassage,
                    1.0 / (rank + 1), AnswerValues.BestScore(text, profile.Kind, profile.Words), novel, Math.Log(1 + text.Length) / 6, names, cosContext,
                    passage.Chunk.Position == 0 && index == 0 ? 1 : 0,
                    questionPairs.Count == 0 ? 0 : (double)Pairs(ordered).Count(questionPairs.Contains) / questionPairs.Count,
                    // Names match by their words (coverage, names missing); this asks whether the sentence says what is
                    // asked about them, which it words its own way.
                    hasVector && questionWithoutNames.Length == question.Length ? TensorPrimitives.CosineSimilarity(questionWithoutNames, vector.Span) : 0,
                    missingArticle,
                ], before));
            }
        }
        if (candidates.Count == 0) return candidates;
        var maxCos = candidates.Max(c => c.Features[CosSentence]);
        var maxCov = candidates.Max(c => c.Features[CovSentence]);
        // Against the candidate whose article names most of them: a name no article has (a typo the corrector left) says
        // nothing about which candidate is right.
        var minMissingArticle = candidates.Min(c => c.Features[NamesMissingArticle]);
        foreach (var f in candidates.Select(c => c.Features))
        {
            f[CosSentenceGap] = f[CosSentence] - maxCos;
            f[CovSentenceGap] = f[CovSentence] - maxCov;
            f[NamesMissingArticle] -= minMissingArticle;
        }
        return candidates;
    }

    /// <summary>The decline features of a question, from its scored candidates (best first).</summary>
    public static double[] Decline(QuestionProfile profile, IReadOnlyList<(AnswerCandidate Candidate, double Logit)> ranked)
    {
        if (ranked.Count == 0) return new double[DeclineNames.Length];
        var (best, logit) = ranked[0];
        var margin = ranked.Count > 1 ? logit - ranked[1].Logit : 1;
        var numbers = profile.Terms.Where(t => char.IsDigit(t.Stem[0])).ToList();
        var passageTerms = TermSet(best.Passage.Chunk.IndexText);
        var numbersMissing = numbers.Count == 0 ? 0 : (double)numbers.Count(n => !passageTerms.Contains(n.Stem)) / numbers.Count;
        // A name of the question that the whole passage lacks, not only the sentence: the passage is about someone else.
        var namesMissingPassage = profile.Names.Count == 0 ? 0 : (double)profile.Names.Count(n => !passageTerms.Contains(n)) / profile.Names.Count;
        var f = best.Features;
        // The sentence read with its predecessor, as names are read for ranking: "It said ..." lacks the name the sentence
        // before gives, which is no sign that the question asks about something else.
        var contextTerms = ContextTerms(best);
        return
        [
            logit, margin, ranked.Max(r => r.Candidate.Features[CosSentence]), ranked.Max(r => r.Candidate.Features[CovSentence]), f[CovPassage],
            f[NamesMissing], numbersMissing, namesMissingPassage,
            ranked.Max(r => r.Candidate.Features[CosPassage]), MostTellingMissing(profile, passageTerms), MostTellingMissing(profile, contextTerms),
            // "How old was he?" answered by a sentence with no age: the question asks for a value the answer lacks. Only
            // dates, sums, amounts, percentages, ages and scores count, whose written forms the patterns find reliably;
            // counts, measures and names go by number words and capitals too loosely for their absence to tell (on the
            // development sets, counting them too made declining worse).
            ValueFoundReliably(profile.Kind) ? ValueMissing(profile.Kind, f[ValueScore]) : 0,
            // "How many players did he sign?" answered by a sentence that counts games: a count of something else. The
            // counted word, not its number, is what the sentence (with the one before it) must say.
            profile.Counted is { } counted && Match(counted, contextTerms) == 0 ? 1 : 0,
            // A reason is often worded unlike the question ("cutting output" answered by "weak demand"), so the fit
            // learns how much less the other evidence says for why and how questions.
            profile.AsksReason ? 1 : 0,
            profile.Negated && !profile.AsksReason && !QuestionProfile.IsNegated(best.Sentence) ? 1 : 0,
            // A year or figure of the question that the passage gives, but not by the best sentence: the sentence is
            // probably about another year or figure, a condition the answer does not meet.
            numbers.Count == 0 ? 0 : (double)numbers.Count(n => passageTerms.Contains(n.Stem) && !contextTerms.Contains(n.Stem)) / numbers.Count,
            // "the smallest" asked of a sentence that says "the largest". Not for why and how questions, whose reason
            // is worded unlike the question ("lose weight" explained by a sentence on "winning" gold).
            !profile.AsksReason && SwapsForOpposite(profile, contextTerms) ? 1 : 0,
        ];
    }

    /// <summary>Whether a question term the text lacks has an opposite the text has and the question does not.</summary>
    private static bool SwapsForOpposite(QuestionProfile profile, HashSet<string> terms) =>
        profile.Terms.Any(t => !terms.Contains(t.Stem) && Antonyms.Of(t.Stem).Any(o => terms.Contains(o) && profile.Terms.All(q => q.Stem != o)));

    /// <summary>A sentence's terms with those of the sentence before it, which often names what it is about.</summary>
    public static HashSet<string> ContextTerms(AnswerCandidate candidate)
    {
        var terms = TermSet(candidate.Sentence);
        if (candidate.Previous is { } previous) terms.UnionWith(TermSet(previous));
        return terms;
    }

    /// <summary>
    /// How far the best sentence lacks the value asked for, from its value score. A bare number ranks above no number,
    /// but says little about whether a sum or an age is there: for those only a value written as one counts (on the
    /// development sets this declined more near misses at the same false-decline rate).
    /// </summary>
    private static double ValueMissing(AnswerKind kind, double valueScore) =>
        kind is AnswerKind.Money or AnswerKind.Age ? (valueScore < AnswerValues.CrossFit ? 1 : 0) : 1 - valueScore;

    private static bool ValueFoundReliably(AnswerKind kind) =>
        kind is AnswerKind.Date or AnswerKind.Money or AnswerKind.Percent or AnswerKind.Quantity or AnswerKind.Age or AnswerKind.Score;

    /// <summary>Adjacent term pairs ("oil price"), which match phrases rather than scattered words.</summary>
    private static HashSet<(string, string)> Pairs(List<string> terms)
    {
        var pairs = new HashSet<(string, string)>();
        for (var i = 1; i < terms.Count; i++) pairs.Add((terms[i - 1], terms[i]));
        return pairs;
    }

    /// <summary>
    /// The weight share of the most telling question term the text lacks: a near-miss question usually names one thing
    /// the article never says, however much else matches.
    /// </summary>
    private static double MostTellingMissing(QuestionProfile profile, HashSet<string> terms) =>
        profile.TotalWeight <= 0 ? 0 : profile.Terms.Where(t => Match(t.Stem, terms) == 0).Select(t => t.Weight).DefaultIfEmpty(0).Max() / profile.TotalWeight;


    /// <summary>Share of the question's weight found in a set of terms; compound parts and derived forms count half.</summary>
    public static double Coverage(QuestionProfile profile, HashSet<string> terms)
    {
        if (profile.TotalWeight <= 0) return 0;
        double found = 0;
        foreach (var term in profile.Terms) found += term.Weight * Match(term.Stem, terms);
        return found / profile.TotalWeight;
    }

    private static double Match(string stem, HashSet<string> terms)
    {
        if (terms.Contains(stem)) return 1.0;
        // Compounds and derived forms: "carmaker" ~ "car", "Japanese" ~ "Japan".
        foreach (var t in terms)
        {
            if (TextAnalyzer.SharesRoot(stem, t)) return 0.5;
        }
        return 0;
    }

    public static HashSet<string> TermSet(string text) => TextAnalyzer.Terms(text).ToHashSet(StringComparer.Ordinal);
}
