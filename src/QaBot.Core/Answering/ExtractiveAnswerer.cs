using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Retrieval;
using QaBot.Text;

namespace QaBot.Answering;

/// <summary>
/// The offline answerer. It scores every sentence of the retrieved passages by how much of the question it covers
/// (IDF-weighted, names counting more), how much the surrounding passage covers, whether it carries the kind of value
/// the question asks for (a percentage for "by how much", a name for "who"), and the passage's retrieval rank. The
/// best sentence is cut down to the clause that holds the answer, and quoted whole in the citation. When even the
/// best sentence covers too little of the question, it declines.
/// </summary>
public sealed partial class ExtractiveAnswerer(TermStatistics statistics, IOptions<AnsweringOptions> options) : IAnswerer
{
    private const double SentenceCoverageWeight = 0.55;
    private const double PassageCoverageWeight = 0.25;
    private const double AnswerKindWeight = 0.35;
    private const double RankWeight = 0.15;
    private const double PairPenalty = 0.05;
    private const double CoreferenceDiscount = 0.7;
    private const double DirectionWeight = 0.15;
    private const double MissingNamePenalty = 0.3;
    private const double HalfAnswerFactor = 0.6;

    public Task<AnswerDraft> AnswerAsync(string question, IReadOnlyList<RetrievedPassage> passages, CancellationToken cancellationToken)
    {
        var profile = QuestionProfile.Analyze(question, statistics);
        return Task.FromResult(Answer(profile, passages));
    }

    public AnswerDraft Answer(QuestionProfile profile, IReadOnlyList<RetrievedPassage> passages)
    {
        if (passages.Count == 0 || profile.TotalWeight <= 0) return AnswerDraft.Decline();

        var best = BestSentence(profile, passages);
        if (best is null || best.Evidence * NumberAgreement(profile, best.Passage) < options.Value.MinEvidence) return AnswerDraft.Decline();

        if (profile.AsksPublicationDate && PublicationDate(profile, passages) is { } dated) return dated;

        var max = options.Value.MaxAnswerChars;
        var text = best.IsPair && best.Sentence.Length <= max ? best.Sentence : Shorten(best.Sentence, profile, max);
        var chunk = best.Passage.Chunk;
        return new AnswerDraft(text, false, [CitationFor(1, chunk, best.Sentence)]);
    }

    public static Citation CitationFor(int index, Chunk chunk, string quote) =>
        new(index, chunk.Title, chunk.SourcePath, chunk.Url, quote, chunk.Published, chunk.Id);

    private sealed record Candidate(RetrievedPassage Passage, string Sentence, bool IsPair, double Score, double Evidence);

    /// <summary>
    /// Scores single sentences and adjacent pairs: an answer is often split across two sentences ("talks begin at
    /// the foreign secretary's residence." + "...his Kent house, Chevening, ..."), so a pair can win when the second
    /// sentence carries the value the first lacks, at a small cost for its length.
    /// </summary>
    private Candidate? BestSentence(QuestionProfile profile, IReadOnlyList<RetrievedPassage> passages)
    {
        Candidate? best = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var rank = 0; rank < passages.Count; rank++)
        {
            var passage = passages[rank];
            var passageCoverage = Coverage(profile, TermSet(passage.Chunk.IndexText));
            var rankPrior = 1.0 / (rank + 1);
            var sentences = SentenceSplitter.Split(passage.Chunk.Text)
                .Select(x =>
                {
                    var terms = TermSet(x.Text);
                    var value = AnswerValues.BestScore(x.Text, profile.Kind, profile.Words);
                    if (profile.AlsoAsksName && !AnswerValues.Names(x.Text, profile.Words).Any(n => !n.PartlyAsked)) value *= HalfAnswerFactor;
                    return (x.Text, Terms: terms, Value: value, Agrees: profile.AgreesInDirection(x.Text));
                })
                .ToList();
            for (var i = 0; i < sentences.Count; i++)
            {
                var (text, terms, value, agrees) = sentences[i];
                // Overlapping passages repeat sentences; score each once, at its best rank.
                if (seen.Add(text))
                {
                    var coverage = Coverage(profile, terms);
                    // "Their former coach ..." refers to the previous sentence's subject: for ranking, count its terms,
                    // discounted; the evidence for answering at all stays with what the sentence itself says.
                    var ranked = coverage;
                    var about = terms;
                    if (i > 0 && LeadingPronoun().IsMatch(text))
                    {
                        about = new HashSet<string>(terms, StringComparer.Ordinal);
                        about.UnionWith(sentences[i - 1].Terms);
                        ranked += CoreferenceDiscount * (Coverage(profile, about) - coverage);
                    }
                    Consider(passage, text, false, ranked, coverage, value, agrees, passageCoverage, rankPrior, NamePenalty(about));
                }
                if (i + 1 < sentences.Count && seen.Add(text + "\n" + sentences[i + 1].Text))
                {
                    var next = sentences[i + 1];
                    var (coverage, nextCoverage) = (Coverage(profile, terms), Coverage(profile, next.Terms));
                    // A pair only when the neighbour completes the sentence that matches the question: it has the
                    // answer value the other lacks, or it states the change ("grew") the question asks about.
                    var (matching, other) = coverage >= nextCoverage ? ((Value: value, Agrees: agrees), (next.Value, next.Agrees)) : ((next.Value, next.Agrees), (Value: value, Agrees: agrees));
                    if ((matching.Value < other.Value && other.Value >= 0.7) || (other.Agrees && !matching.Agrees && other.Value >= 0.7))
                    {
                        var union = new HashSet<string>(terms, StringComparer.Ordinal);
                        union.UnionWith(next.Terms);
                        var unionCoverage = Coverage(profile, union);
                        Consider(passage, text + " " + next.Text, true, unionCoverage, unionCoverage, Math.Max(value, next.Value), agrees || next.Agrees, passageCoverage, rankPrior, PairPenalty + NamePenalty(union));
                    }
                }
            }
        }
        return best;

        // A sentence that names none of the question's names ("Toyota") is about someone else.
        double NamePenalty(HashSet<string> terms) => profile.Names.Count > 0 && !profile.Names.Overlaps(terms) ? MissingNamePenalty : 0;

        void Consider(RetrievedPassage passage, string text, bool pair, double rankedCoverage, double coverage, double value, bool agrees, double passageCoverage, double rankPrior, double penalty)
        {
            var score = SentenceCoverageWeight * rankedCoverage + PassageCoverageWeight * passageCoverage + AnswerKindWeight * value + RankWeight * rankPrior
                + (agrees ? DirectionWeight : 0) - penalty;
            if (best is null || score > best.Score) best = new Candidate(passage, text, pair, score, 0.6 * coverage + 0.4 * passageCoverage);
        }
    }

    /// <summary>Share of the question's weight found in a set of terms; related words and compound parts count partly.</summary>
    public static double Coverage(QuestionProfile profile, HashSet<string> terms)
    {
        if (profile.TotalWeight <= 0) return 0;
        double found = 0;
        foreach (var term in profile.Terms)
        {
            found += term.Weight * Match(term.Stem, terms);
        }
        return found / profile.TotalWeight;
    }

    private static double Match(string stem, HashSet<string> terms)
    {
        if (terms.Contains(stem)) return 1.0;
        if (Lexicon.SameDirection(stem).Any(terms.Contains)) return 0.7;
        // Compounds and derived forms: "carmaker" ~ "car", "Japanese" ~ "Japan".
        if (stem.Length >= 3 && char.IsLetter(stem[0]))
        {
            foreach (var t in terms)
            {
                if (t.Length < 3 || t[0] != stem[0]) continue;
                var (shorter, longer) = t.Length < stem.Length ? (t, stem) : (stem, t);
                if (shorter.Length * 2 >= longer.Length && longer.StartsWith(shorter, StringComparison.Ordinal)) return 0.5;
            }
        }
        return 0;
    }

    public static HashSet<string> TermSet(string text) => TextAnalyzer.Terms(text).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Numbers in a question ("the 2018 World Cup") are constraints: a passage without them is about something else,
    /// however well the other words match.
    /// </summary>
    private static double NumberAgreement(QuestionProfile profile, RetrievedPassage passage)
    {
        var numbers = profile.Terms.Where(t => char.IsDigit(t.Stem[0])).ToList();
        if (numbers.Count == 0) return 1.0;
        var terms = TermSet(passage.Chunk.IndexText);
        return numbers.All(n => terms.Contains(n.Stem)) ? 1.0 : 0.5;
    }

    /// <summary>"When was the article posted?" is answered from the article's metadata, not its text.</summary>
    private static AnswerDraft? PublicationDate(QuestionProfile profile, IReadOnlyList<RetrievedPassage> passages)
    {
        var dated = passages
            .Select((p, rank) => (Passage: p, Rank: rank))
            .Where(x => x.Passage.Chunk.Published is not null)
            .OrderByDescending(x => Coverage(profile, TermSet(x.Passage.Chunk.IndexText)) + 0.1 / (x.Rank + 1))
            .Select(x => x.Passage.Chunk)
            .FirstOrDefault();
        if (dated?.Published is not { } date) return null;
        var text = $"It was published on {date.ToString("MMMM d, yyyy", CultureInfo.InvariantCulture)}.";
        var quote = $"{dated.Title} (published {date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)})";
        return new AnswerDraft(text, false, [CitationFor(1, dated, quote)]);
    }

    /// <summary>
    /// The clause(s) of the sentence that hold the answer: the best window of up to three clauses by question coverage,
    /// which must include the answer value when one was found; pulled back one clause when it would start with a pronoun.
    /// </summary>
    public static string Shorten(string sentence, QuestionProfile profile, int maxChars)
    {
        var values = AnswerValues.Find(sentence, profile.Kind, profile.Words).ToList();
        var topValue = values.Count == 0 ? 0 : values.Max(v => v.Score);
        var answerValues = values.Where(v => v.Score >= topValue).ToList();
        var clauses = Clauses(sentence);
        var focus = 0;
        string result;
        if (answerValues.Count == 0 || clauses.Count <= 1)
        {
            result = sentence;
            if (answerValues.Count > 0) focus = answerValues[0].Start;
        }
        else
        {
            // Character offsets of each clause inside the sentence, to know which ones hold a value.
            var offsets = new List<(int Start, int End)>();
            var at = 0;
            foreach (var clause in clauses)
            {
                var start = sentence.IndexOf(clause, at, StringComparison.Ordinal);
                offsets.Add((start, start + clause.Length));
                at = start + clause.Length;
            }

            var bestScore = double.MinValue;
            (int From, int To) bestWindow = (0, clauses.Count - 1);
            for (var from = 0; from < clauses.Count; from++)
            {
                for (var to = from; to < Math.Min(clauses.Count, from + 3); to++)
                {
                    var (start, end) = (offsets[from].Start, offsets[to].End);
                    if (!answerValues.Any(v => v.Start >= start && v.End <= end)) continue;
                    var score = Coverage(profile, TermSet(sentence[start..end])) - 0.12 * (to - from);
                    if (score > bestScore)
                    {
                        bestScore = score;
                        bestWindow = (from, to);
                    }
                }
            }
            if (bestWindow.From > 0 && LeadingPronoun().IsMatch(clauses[bestWindow.From])) bestWindow.From--;
            // Don't end on a dangling "although Mr Ghosn," that holds no part of the answer.
            while (bestWindow.To > bestWindow.From && Subordinate().IsMatch(clauses[bestWindow.To])
                   && !answerValues.Any(v => v.Start >= offsets[bestWindow.To].Start && v.End <= offsets[bestWindow.To].End))
            {
                bestWindow.To--;
            }
            var windowStart = offsets[bestWindow.From].Start;
            result = sentence[windowStart..offsets[bestWindow.To].End];
            focus = answerValues.Where(v => v.Start >= windowStart).Select(v => v.Start - windowStart).DefaultIfEmpty(0).First();
        }

        var trimmed = LeadingConjunction().Replace(result.TrimStart(), "");
        focus = Math.Max(0, focus - (result.Length - trimmed.Length));
        result = trimmed.TrimEnd(',', ';', ':', '—', '–', ' ');
        if (result.Length > maxChars) result = Truncate(result, focus, maxChars);
        if (result.Length == 0) return result;
        result = char.ToUpperInvariant(result[0]) + result[1..];
        return result[^1] is '.' or '!' or '?' or '"' or '”' or '…' ? result : result + ".";
    }

    /// <summary>Splits at ", ", "; ", ": " and dashes, but never inside parentheses ("($74.6bn; £39.1bn)").</summary>
    private static List<string> Clauses(string sentence)
    {
        var clauses = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < sentence.Length; i++)
        {
            var c = sentence[i];
            if (c is '(' or '[') depth++;
            else if (c is ')' or ']') depth = Math.Max(0, depth - 1);
            else if (depth == 0 && c is ',' or ';' or ':' or '—' or '–' && i + 1 < sentence.Length && sentence[i + 1] == ' ')
            {
                // A dash starts the next clause; other marks end the current one.
                var cut = c is '—' or '–' ? i : i + 1;
                if (cut > start) clauses.Add(sentence[start..cut].Trim());
                start = cut;
            }
        }
        if (start < sentence.Length) clauses.Add(sentence[start..].Trim());
        return clauses.Where(c => c.Length > 0).ToList();
    }

    /// <summary>Cuts to at most <paramref name="maxChars"/> at word boundaries, keeping the text around <paramref name="focus"/>.</summary>
    private static string Truncate(string text, int focus, int maxChars)
    {
        var budget = maxChars - 2;
        var start = TextCut.Safe(text, Math.Clamp(focus - budget / 3, 0, Math.Max(0, text.Length - budget)));
        if (start > 0)
        {
            var space = text.IndexOf(' ', start);
            start = space >= 0 && space < focus ? space + 1 : start;
        }
        var end = TextCut.Safe(text, Math.Min(text.Length, start + budget));
        if (end < text.Length)
        {
            var space = text.LastIndexOf(' ', end);
            if (space > start) end = space;
        }
        return (start > 0 ? "…" : "") + text[start..end].Trim() + (end < text.Length ? "…" : "");
    }

    [GeneratedRegex(@"^(?:(?:and|but|so)\s+)?(it|its|they|their|he|his|she|her|this|these|which|who)\b", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingPronoun();

    [GeneratedRegex(@"^(although|though|while|whereas|because|but|unless|despite|after|before|since|as|who|which)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Subordinate();

    [GeneratedRegex(@"^(and|but|so|while|whereas|although|though)\s+", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingConjunction();
}
