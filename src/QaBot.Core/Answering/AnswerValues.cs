using System.Text.RegularExpressions;
using QaBot.Text;

namespace QaBot.Answering;

/// <summary>
/// Finds the values in a sentence that could answer a question of a given <see cref="AnswerKind"/>: amounts,
/// percentages, ages, scores, measures, dates and names, skipping anything the question itself already says.
/// </summary>
public static partial class AnswerValues
{
    /// <summary>The score of a percentage where a sum of money is asked for, or the reverse: the loosest fit whose written form still marks it as that kind.</summary>
    public const double CrossFit = 0.85;

    /// <summary>How well a sentence carries the expected kind of value: 1 = exactly that kind, 0.5 = a looser fit, 0 = none.</summary>
    public static double BestScore(string sentence, AnswerKind kind, IReadOnlySet<string> questionWords) =>
        kind == AnswerKind.Unknown ? 0 : Find(sentence, kind, questionWords).Select(v => v.Score).DefaultIfEmpty(0).Max();

    /// <summary>Every value of the expected kind in the sentence, with how well it fits (1 = exactly that kind).</summary>
    public static IEnumerable<(double Score, int Start, int End)> Find(string s, AnswerKind kind, IReadOnlySet<string> questionWords)
    {
        switch (kind)
        {
            case AnswerKind.Quantity or AnswerKind.Percent or AnswerKind.Money or AnswerKind.Count or AnswerKind.Age or AnswerKind.Measure:
                foreach (Match m in Amount().Matches(s))
                {
                    if (IsInQuestion(m.Groups["n"].Value, questionWords)) continue;
                    var exact = kind switch
                    {
                        AnswerKind.Percent => m.Groups["pct"].Success,
                        AnswerKind.Money => m.Groups["cur"].Success || m.Groups["curword"].Success,
                        AnswerKind.Measure => m.Groups["unit"].Success,
                        AnswerKind.Count => !m.Groups["pct"].Success && !m.Groups["cur"].Success && !IsYear(m.Value),
                        AnswerKind.Age => IsAge(s, m),
                        _ => m.Groups["pct"].Success || m.Groups["cur"].Success || m.Groups["scale"].Success || m.Groups["curword"].Success,
                    };
                    // A bare year is rarely the answer to "how much/how many"; a percentage and an amount of money
                    // both answer "how much did X raise/cut ...".
                    var crossFit = kind is AnswerKind.Percent or AnswerKind.Money && (m.Groups["pct"].Success || m.Groups["cur"].Success || m.Groups["curword"].Success);
                    var score = exact ? 1.0 : IsYear(m.Value) ? 0.1 : crossFit ? CrossFit : kind is AnswerKind.Percent or AnswerKind.Money ? 0.6 : 0.5;
                    yield return (score, m.Index, m.Index + m.Length);
                }
                break;
            case AnswerKind.Score:
                foreach (Match m in ScoreValue().Matches(s)) yield return (1.0, m.Index, m.Index + m.Length);
                break;
            case AnswerKind.Date:
                foreach (Match m in DateValue().Matches(s))
                {
                    if (!IsInQuestion(m.Value.ToLowerInvariant(), questionWords)) yield return (1.0, m.Index, m.Index + m.Length);
                }
                break;
            case AnswerKind.Person or AnswerKind.Place or AnswerKind.Name:
                foreach (var (start, end, words, partlyAsked) in Names(s, questionWords))
                {
                    // "Jack Straw's residence": a possessive name is an owner, not the place or thing asked for.
                    var possessive = s[..end].EndsWith("'s", StringComparison.Ordinal) || s[..end].EndsWith("’s", StringComparison.Ordinal);
                    var score = kind switch
                    {
                        AnswerKind.Person => words >= 2 ? 1.0 : 0.6,
                        AnswerKind.Place => possessive ? 0.4 : Locative().IsMatch(s[..start]) ? 1.0 : 0.7,
                        _ => 1.0,
                    };
                    // "Kostas Kenteris" when the question names Kenteris: the subject again, not the answer.
                    yield return (partlyAsked ? Math.Min(score, 0.3) : score, start, end);
                }
                break;
        }
    }

    /// <summary>Runs of capitalised words that start with a word the question does not say (and not a sentence's common first word); flags runs that include a question word.</summary>
    public static IEnumerable<(int Start, int End, int Words, bool PartlyAsked)> Names(string s, IReadOnlySet<string> questionWords)
    {
        var tokens = Tokenizer.Tokenize(s);
        var i = 0;
        while (i < tokens.Count)
        {
            if (!IsCapitalised(tokens[i]) || Asked(tokens[i].Normalized, questionWords) || NotNames.Contains(tokens[i].Normalized))
            {
                i++;
                continue;
            }
            var j = i + 1;
            var partlyAsked = false;
            while (j < tokens.Count && IsCapitalised(tokens[j]) && !NotNames.Contains(tokens[j].Normalized) && Adjacent(s, tokens[j - 1], tokens[j]))
            {
                partlyAsked |= Asked(tokens[j].Normalized, questionWords);
                j++;
            }
            var sentenceStart = i == 0;
            // A lone capitalised first word is usually just the start of the sentence ("Analysts", "However").
            if (!(sentenceStart && j - i == 1 && Stopwords.Contains(tokens[i].Normalized)) && !(sentenceStart && j - i == 1 && !LooksLikeName(tokens[i])))
            {
                yield return (tokens[i].Start, tokens[j - 1].End, j - i, partlyAsked);
            }
            i = j;
        }
    }

    /// <summary>
    /// A word of the question or a derived form of one of its content words: "Thailand" restates a question about a
    /// "Thai" resort, but "Canada" is no form of the "can" of "Which country can …?".
    /// </summary>
    private static bool Asked(string word, IReadOnlySet<string> questionWords) =>
        questionWords.Contains(word) || questionWords.Any(q => !Stopwords.Contains(q) && TextAnalyzer.SharesRoot(word, q));

    private static bool LooksLikeName(Token t) => t.Text.Skip(1).Any(char.IsUpper) || t.Text.Length <= 4 && t.Text.All(char.IsUpper);

    private static bool IsCapitalised(Token t) => t.Kind == TokenKind.Word && char.IsUpper(t.Text[0]);

    private static bool Adjacent(string s, Token a, Token b)
    {
        var gap = s.AsSpan(a.End, b.Start - a.End);
        return gap is " " or "-" or " & " or "'" or "’";
    }

    private static bool IsInQuestion(string value, IReadOnlySet<string> questionWords)
    {
        var normalized = value.Replace(",", "", StringComparison.Ordinal).ToLowerInvariant();
        return questionWords.Contains(normalized);
    }

    private static bool IsYear(string value) => YearOnly().IsMatch(value);

    private static bool IsAge(string s, Match m)
    {
        if (m.Groups["pct"].Success || m.Groups["cur"].Success || !int.TryParse(m.Groups["n"].Value, out var n) || n is < 1 or > 120) return false;
        var before = s[..m.Index].TrimEnd();
        // From the end of the number, not of the match: "45 years old" matches as a measure ("45 years").
        var number = m.Groups["n"];
        var after = s[(number.Index + number.Length)..];
        return before.EndsWith("aged", StringComparison.OrdinalIgnoreCase) || before.EndsWith("age of", StringComparison.OrdinalIgnoreCase)
            || before.EndsWith(',') && after.TrimStart().StartsWith(',')
            || AgeSuffix().IsMatch(after);
    }

    private static readonly HashSet<string> NotNames = new(StringComparer.Ordinal)
    {
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mr", "mrs", "ms", "dr", "the", "a", "an",
        "he", "she", "it", "they", "we", "i", "this", "that", "these", "those", "but", "and", "however", "in", "on", "at", "for",
    };

    [GeneratedRegex(@"(?<cur>[$£€¥])?(?<n>\d+(?:[.,]\d+)*|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a|half a|hundreds of|thousands of|millions of)(?=\s+(?:hundred|thousand|million|billion|trillion|dozen)))(?<scale>\s*(?:bn|m|k|tn|billion|million|thousand|hundred|trillion|dozen)\b)?(?:(?<pct>\s*(?:%|per\s?cent|percent|pc\b|percentage points?))|(?<unit>\s*(?:m|km|cm|mm|kg|g|metres?|meters?|miles?|feet|ft|inches|seconds|secs|minutes|mins|hours|days|weeks|months|years|mph|km/h)\b)|(?<curword>\s*(?:dollars|pounds|euros|yuan|yen|rupees|sterling)\b))?", RegexOptions.IgnoreCase)]
    private static partial Regex Amount();

    [GeneratedRegex(@"\b(?:in|at|near|from|to|inside|outside)\s+(?:the\s+)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Locative();

    [GeneratedRegex(@"\b\d{1,3}\s?-\s?\d{1,3}\b")]
    private static partial Regex ScoreValue();

    /// <summary>The years a date and a "poor answer to how many" both mean: 1000 to 2099.</summary>
    private const string Year = @"(?:1\d|20)\d{2}";

    [GeneratedRegex("^" + Year + "$")]
    private static partial Regex YearOnly();

    [GeneratedRegex(@"\b(?:(?:\d{1,2}\s+)?(?:January|February|March|April|May|June|July|August|September|October|November|December)(?:\s+\d{1,2})?(?:,?\s+\d{4})?|" + Year + @"s?|\d{1,4}\s?(?:BC|AD|BCE|CE)|(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty-first)[\s-]century|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|\d{4}-\d{2}-\d{2})\b")]
    private static partial Regex DateValue();

    [GeneratedRegex(@"^(?:-year-old|\s+years?\s+old|\s*\)|\s+years? of age)", RegexOptions.IgnoreCase)]
    private static partial Regex AgeSuffix();
}
