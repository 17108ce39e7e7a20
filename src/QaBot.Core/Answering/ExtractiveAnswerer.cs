using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Chunking;
using QaBot.Configuration;
using QaBot.Retrieval;
using QaBot.Text;

namespace QaBot.Answering;

/// <summary>
/// The offline answerer. Every sentence of the retrieved passages is scored by a logistic model over general features
/// (<see cref="AnswerFeatures"/>) whose weights <c>qabot calibrate</c> fits on the development sets; the best one is the
/// answer (cut to the clauses that hold it when it is too long) and is quoted whole in the citation. A second fitted
/// model turns the question's evidence into the probability that the articles answer it, and below the calibrated
/// threshold the bot declines instead of guessing.
/// </summary>
public sealed partial class ExtractiveAnswerer(AnswerCandidates candidateFinder, AnswerModel model, IOptions<AnsweringOptions> options, ILogger<ExtractiveAnswerer> logger) : IAnswerer
{
    public async Task<AnswerDraft> AnswerAsync(string question, IReadOnlyList<RetrievedPassage> passages, CancellationToken cancellationToken)
    {
        var (profile, candidates) = await candidateFinder.FindAsync(question, passages, cancellationToken);
        var metadata = FromMetadata(profile, passages);
        // Only the articles that have a date or a link qualify for those; every article has a title, so whether the
        // question's subject is in the articles at all is left to the decline model, as for any question.
        if (metadata is not null && profile.AsksMetadata != ArticleMetadata.Title) return metadata;
        var (ranked, declineFeatures) = Rank(model, profile, candidates);
        var probability = ranked.Count == 0 ? 0 : Probability(model.Decline.Logit(declineFeatures));
        if (logger.IsEnabled(LogLevel.Debug)) LogRanking(profile, passages, ranked, declineFeatures, probability);
        if (ranked.Count == 0 || probability < model.DeclineThreshold) return AnswerDraft.Decline();
        if (metadata is not null) return metadata;
        if (Rival(ranked, profile, model) is { } rival) return Disagreement(ranked[0].Candidate, rival, profile, options.Value.MaxAnswerChars);
        var (text, sources) = Compose(ranked, profile, options.Value.MaxAnswerChars);
        return new AnswerDraft(text, false, [.. sources.Select((s, i) => CitationFor(i + 1, s.Chunk, s.Quote))]);
    }

    public const string SourcesDisagree = "The sources disagree:";

    /// <summary>What the decision rested on, for <c>-v</c>: the passages retrieved, the best candidates and the odds of an answer.</summary>
    private void LogRanking(QuestionProfile profile, IReadOnlyList<RetrievedPassage> passages, List<(AnswerCandidate Candidate, double Logit)> ranked, double[] declineFeatures, double probability)
    {
        var retrieved = string.Join(", ", passages.Select((p, i) => $"{i + 1}. {p.Chunk.Id}"));
        var best = string.Join(" | ", ranked.Take(3).Select(r => $"{r.Logit.ToString("0.00", CultureInfo.InvariantCulture)} {r.Candidate.Passage.Chunk.Id}: {r.Candidate.Sentence[..Math.Min(80, r.Candidate.Sentence.Length)]}"));
        var evidence = string.Join(", ", AnswerFeatures.DeclineNames.Zip(declineFeatures, (n, v) => $"{n} {v.ToString("0.###", CultureInfo.InvariantCulture)}"));
        LogDecision(logger, profile.Kind, retrieved, best, evidence, probability, model.DeclineThreshold);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Asked for {Kind}; retrieved {Passages}; best sentences {Best}; evidence {Evidence}: answerable with probability {Probability:F3} (threshold {Threshold:F3})")]
    private static partial void LogDecision(ILogger logger, AnswerKind kind, string passages, string best, string evidence, double probability, double threshold);

    /// <summary>
    /// The answer the other articles give, when it states a different value of the kind asked for ("dropped by 24.2%"
    /// against "dropped by 99.9%"): the bot cannot tell which source is right, so it must not pick one silently. It is
    /// the best sentence once the best answer's article is set aside, and counts only if the decline model would accept
    /// it as an answer on its own, it says every word of the question the best one says (each read with the sentence
    /// before it, which often names what a figure is about), misses no more of the question's names (a figure
    /// about something else, "Ericsson's profit" against "eBay's profit", is no disagreement) and says near its own
    /// figure every word of the question the best answer's clause says. Only value questions
    /// (figures, dates, scores) are compared: two articles naming different people are usually not in conflict.
    /// </summary>
    public static AnswerCandidate? Rival(IReadOnlyList<(AnswerCandidate Candidate, double Logit)> ranked, QuestionProfile profile, AnswerModel model)
    {
        if (profile.Kind is AnswerKind.Unknown or AnswerKind.Person or AnswerKind.Place or AnswerKind.Name) return null;
        var best = ranked[0].Candidate;
        var bestValues = ValuesOf(best.Sentence, profile);
        if (bestValues.Count == 0) return null;
        var others = ranked.Where(r => r.Candidate.Passage.Chunk.DocumentId != best.Passage.Chunk.DocumentId).ToList();
        if (others.Count == 0) return null;
        var rival = others[0].Candidate;
        var (bestTerms, rivalTerms) = (AnswerFeatures.ContextTerms(best), AnswerFeatures.ContextTerms(rival));
        if (profile.Terms.Any(t => bestTerms.Contains(t.Stem) && !rivalTerms.Contains(t.Stem)) || rival.Features[AnswerFeatures.NamesMissing] > best.Features[AnswerFeatures.NamesMissing]) return null;
        // A figure is about what its own clause says: "sales dropped by 17.61%" is not disputed by "owns a 44% stake"
        // after a sentence about sales.
        var (bestClause, rivalClause) = (AnswerFeatures.TermSet(Shorten(best.Sentence, profile, int.MaxValue)), AnswerFeatures.TermSet(Shorten(rival.Sentence, profile, int.MaxValue)));
        if (profile.Terms.Any(t => bestClause.Contains(t.Stem) && !rivalClause.Contains(t.Stem))) return null;
        if (Probability(model.Decline.Logit(AnswerFeatures.Decline(profile, others))) < model.DeclineThreshold) return null;
        var values = ValuesOf(rival.Sentence, profile);
        return values.Count > 0 && !values.Overlaps(bestValues) ? rival : null;
    }

    /// <summary>Both answers, each with its own citation, under a plain statement that they disagree.</summary>
    private static AnswerDraft Disagreement(AnswerCandidate best, AnswerCandidate rival, QuestionProfile profile, int maxChars)
    {
        var each = (maxChars - SourcesDisagree.Length) / 2 - 6;
        var text = $"{SourcesDisagree} {Marked(Shorten(best.Sentence, profile, each), 1)} {Marked(Shorten(rival.Sentence, profile, each), 2)}";
        return new AnswerDraft(text, false, [CitationFor(1, best.Passage.Chunk, best.Sentence), CitationFor(2, rival.Passage.Chunk, rival.Sentence)]);
    }

    private static string Marked(string sentence, int index) =>
        sentence.EndsWith('.') ? $"{sentence[..^1]} [{index}]." : $"{sentence} [{index}]";

    /// <summary>
    /// The values of the asked kind a sentence states, compared by their figures ("24.2%" and "24.2 per cent" agree);
    /// a value without digits ("Monday") by its words.
    /// </summary>
    private static HashSet<string> ValuesOf(string sentence, QuestionProfile profile) =>
        AnswerValues.Find(sentence, profile.Kind, profile.Words)
            .Where(v => v.Score >= 1)
            .Select(v => sentence[v.Start..v.End])
            .Select(v => v.Any(char.IsDigit) ? new string(v.Where(c => char.IsDigit(c) || c == '.').ToArray()).Trim('.') : v.ToLowerInvariant())
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The answer text and its sources (a passage and the quote from it). The best sentence is given with its neighbour,
    /// in the article's order, when the runner-up is that neighbour (a cause or a figure often sits next to the sentence
    /// that matches the question) or the question asks why or how (the reason sits beside the sentence that restates
    /// the event, before or after it: the neighbour the ranker scores higher, the one after when neither is a
    /// candidate). Else, when the best holds no figure or date of the kind asked for, so that nothing marks it as the
    /// answer, the runner-up follows it. A second sentence is given whole when it fits, else cut to the room the best
    /// leaves when that is at least a quarter of the answer (a shorter piece reads as a fragment). Otherwise the best
    /// sentence, whole when it fits, else cut to the clauses that answer. Each passage is cited once, with its sentences
    /// whole, and citation markers count toward the answer's length.
    /// </summary>
    public static (string Text, IReadOnlyList<(Chunk Chunk, string Quote)> Sources) Compose(IReadOnlyList<(AnswerCandidate Candidate, double Logit)> ranked, QuestionProfile profile, int maxChars)
    {
        var best = ranked[0].Candidate;
        var second = ranked.Count > 1 ? ranked[1].Candidate : null;

        // Neighbours in the best sentence's passage (a sentence is a candidate once, under its best-ranked passage).
        var sentences = best.Passage.Chunk.Sentences().ToList();
        var at = sentences.IndexOf(best.Sentence);
        var secondAt = second is null ? -1 : sentences.IndexOf(second.Sentence);
        var other = at >= 0 && secondAt >= 0 && Math.Abs(at - secondAt) == 1 ? secondAt
            : (profile.AsksReason || profile.AsksTwo) && at >= 0 ? (LogitOf(at - 1) > LogitOf(at + 1) ? at - 1 : at + 1)
            : -1;
        if (other >= 0 && other < sentences.Count)
        {
            var room = maxChars - best.Sentence.Length - 1;
            // Cut like a runner-up when it does not fit whole.
            var neighbour = sentences[other].Length <= room ? sentences[other] : room >= maxChars / 4 ? Shorten(sentences[other], profile, room) : null;
            if (neighbour is not null)
            {
                var pair = string.Join(' ', sentences[Math.Min(at, other)], sentences[Math.Max(at, other)]);
                return (other < at ? $"{neighbour} {best.Sentence}" : $"{best.Sentence} {neighbour}", [(best.Passage.Chunk, pair)]);
            }
        }
        // A name is found by its capitals, too loosely to mark the best sentence as the answer; a figure or a date does.
        var marked = profile.Kind is not (AnswerKind.Person or AnswerKind.Place or AnswerKind.Name) && AnswerValues.BestScore(best.Sentence, profile.Kind, profile.Words) >= 1;
        if (second is not null && !marked)
        {
            var samePassage = secondAt >= 0;
            var room = maxChars - best.Sentence.Length - 1 - (samePassage ? 0 : 2 * MarkerLength);
            var text = second.Sentence.Length <= room ? second.Sentence : room >= maxChars / 4 ? Shorten(second.Sentence, profile, room) : null;
            if (text is not null)
            {
                return samePassage
                    ? ($"{best.Sentence} {text}", [(best.Passage.Chunk, $"{best.Sentence} … {second.Sentence}")])
                    : ($"{Marked(best.Sentence, 1)} {Marked(text, 2)}", [(best.Passage.Chunk, best.Sentence), (second.Passage.Chunk, second.Sentence)]);
            }
        }
        // A sentence that fits is given whole: cut to one clause, it lost the answer to another of its figures or dates
        // now and then, and never gained one.
        return (best.Sentence.Length <= maxChars ? best.Sentence : Shorten(best.Sentence, profile, maxChars), [(best.Passage.Chunk, best.Sentence)]);

        double LogitOf(int index) => index < 0 || index >= sentences.Count ? double.NegativeInfinity
            : ranked.Where(r => r.Candidate.Sentence == sentences[index]).Select(r => r.Logit).DefaultIfEmpty(double.NegativeInfinity).Max();
    }

    /// <summary>What <see cref="Marked"/> adds: " [n]" for a one-digit n.</summary>
    private const int MarkerLength = 4;

    /// <summary>Candidates best first with their logits, and the question's decline features.</summary>
    public static (List<(AnswerCandidate Candidate, double Logit)> Ranked, double[] DeclineFeatures) Rank(AnswerModel model, QuestionProfile profile, List<AnswerCandidate> candidates)
    {
        var ranked = candidates.Select(c => (Candidate: c, Logit: model.Sentence.Logit(c.Features)))
            .OrderByDescending(x => x.Logit).ThenBy(x => x.Candidate.Rank).ToList();
        return (ranked, AnswerFeatures.Decline(profile, ranked));
    }

    public static double Probability(double logit) => 1 / (1 + Math.Exp(-logit));

    public static Citation CitationFor(int index, Chunk chunk, string quote) =>
        new(index, chunk.Title, chunk.SourcePath, chunk.Url, quote, chunk.Published, chunk.Id);

    /// <summary>
    /// "When was the article posted?", "What is the link to the article?" and "What is the article's title?" are answered from the metadata of the
    /// retrieved article that best matches the question among those that have it and are about its subject, not from
    /// its text; when none is, the question is answered from the text like any other.
    /// </summary>
    private static AnswerDraft? FromMetadata(QuestionProfile profile, IReadOnlyList<RetrievedPassage> passages)
    {
        if (profile.AsksMetadata == ArticleMetadata.None) return null;
        var chunk = passages
            .Select((p, rank) => (p.Chunk, Rank: rank, Terms: AnswerFeatures.TermSet(p.Chunk.IndexText)))
            .Where(x => x.Chunk.Has(profile.AsksMetadata))
            // A passage that lacks a name the question gives, or every word of it, is about something else: its
            // article's date would answer another question.
            .Where(x => profile.Names.All(x.Terms.Contains) && profile.Terms.Any(t => x.Terms.Contains(t.Stem)))
            .OrderByDescending(x => AnswerFeatures.Coverage(profile, x.Terms) + 0.1 / (x.Rank + 1))
            .Select(x => x.Chunk)
            .FirstOrDefault();
        var (text, quote) = chunk switch
        {
            null => default,
            _ when profile.AsksMetadata == ArticleMetadata.Title => ($"The article is titled “{chunk.Title}”.", chunk.Title),
            { Url: { } url } when profile.AsksMetadata == ArticleMetadata.Link => ($"The article is at {url}.", $"{chunk.Title} ({url})"),
            { Published: { } date } => ($"It was published on {date.ToString("MMMM d, yyyy", CultureInfo.InvariantCulture)}.",
                $"{chunk.Title} (published {date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)})"),
            _ => default,
        };
        return text is null ? null : new AnswerDraft(text, false, [CitationFor(1, chunk!, quote)]);
    }

    /// <summary>
    /// The clause(s) of the sentence that hold the answer: the best window of up to three clauses by question coverage,
    /// which must include the figure or date asked for when one was found; pulled back one clause when it would start
    /// with a pronoun.
    /// </summary>
    public static string Shorten(string sentence, QuestionProfile profile, int maxChars)
    {
        var values = AnswerValues.Find(sentence, profile.Kind, profile.Words).ToList();
        var topValue = values.Count == 0 ? 0 : values.Max(v => v.Score);
        var answerValues = values.Where(v => v.Score >= topValue).ToList();
        var clauses = Clauses(sentence);
        var focus = 0;
        string result;
        // Names are found by capitalisation, which too often picks the wrong one to cut around (on the development
        // sets, cutting only around figures and dates kept more answers and lost none), so a sentence answering a
        // who/where/which question stays whole.
        if (answerValues.Count == 0 || clauses.Count <= 1 || profile.Kind is AnswerKind.Person or AnswerKind.Place or AnswerKind.Name)
        {
            result = sentence;
            focus = answerValues.Count > 0 ? answerValues[0].Start : sentence.Length > maxChars ? QuestionFocus(sentence, profile) : 0;
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
                    var score = AnswerFeatures.Coverage(profile, AnswerFeatures.TermSet(sentence[start..end])) - 0.12 * (to - from);
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

    private const int FocusTerms = 8;

    /// <summary>
    /// Where the question's terms crowd together in a sentence (the start of the <see cref="FocusTerms"/>-term window
    /// holding most of the question's weight): with no value to look for, the answer is usually next to what the
    /// question says, so a sentence too long for the answer is cut around there rather than after its opening.
    /// </summary>
    private static int QuestionFocus(string sentence, QuestionProfile profile)
    {
        var weights = profile.Terms.ToDictionary(t => t.Stem, t => t.Weight, StringComparer.Ordinal);
        var terms = Tokenizer.Tokenize(sentence).Select(t => (t.Start, Term: TextAnalyzer.Term(t))).Where(t => t.Term is not null).ToList();
        var (focus, best) = (0, 0.0);
        for (var i = 0; i < terms.Count; i++)
        {
            if (!weights.ContainsKey(terms[i].Term!)) continue;
            var found = terms.Skip(i).Take(FocusTerms).Select(t => t.Term!).Distinct(StringComparer.Ordinal).Sum(t => weights.GetValueOrDefault(t));
            if (found > best) (focus, best) = (terms[i].Start, found);
        }
        return focus;
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
