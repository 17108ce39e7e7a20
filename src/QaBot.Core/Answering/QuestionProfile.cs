using System.Text.RegularExpressions;
using QaBot.Chunking;
using QaBot.Text;

namespace QaBot.Answering;

/// <summary>What kind of value answers a question; an extracted answer must carry one when the kind is known.</summary>
public enum AnswerKind { Unknown, Quantity, Percent, Money, Count, Age, Score, Measure, Date, Person, Place, Name }

/// <summary>A question term with its weight: rarer terms and names in the question count for more.</summary>
public readonly record struct QuestionTerm(string Stem, double Weight, bool IsName);

/// <summary>The parts of a question the extractive answerer uses: weighted terms, expected answer kind, the words it already contains.</summary>
public sealed partial record QuestionProfile(
    string Text,
    AnswerKind Kind,
    IReadOnlyList<QuestionTerm> Terms,
    IReadOnlySet<string> Words,
    ArticleMetadata AsksMetadata)
{
    private const double NameBoost = 2.0;
    private const double CategoryWeight = 0.3;
    private const int MaxCategoryWords = 2;

    public double TotalWeight { get; } = Terms.Sum(t => t.Weight);

    /// <summary>"Why ...?" or "How did ...?": asks for a reason or a manner, which an article usually gives beside the sentence that restates the event.</summary>
    public bool AsksReason { get; } = Kind == AnswerKind.Unknown && ReasonQuestion().IsMatch(Text);

    /// <summary>
    /// "Which carmaker grew its sales, and by how much?": a second question after ", and", whose answer is usually
    /// the sentence beside the one that answers the first.
    /// </summary>
    public bool AsksTwo { get; } = SecondQuestion().IsMatch(Text);

    /// <summary>"What is not ...?", "Who never ...?": a negated question, which a sentence matching all its other words answers only when negated too.</summary>
    public bool Negated { get; } = IsNegated(Text);

    /// <summary>Whether a question or a sentence holds a negation ("not", "never", "didn't"); a web address's ".no" does not count.</summary>
    public static bool IsNegated(string text) => Negation().IsMatch(text);

    /// <summary>The names the question asks about ("Toyota", "Carlos Ghosn"), as index terms.</summary>
    public IReadOnlySet<string> Names { get; } = Terms.Where(t => t.IsName && !char.IsDigit(t.Stem[0])).Select(t => t.Stem).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// What a "how many" question counts, as an index term ("player" of "How many players did … sign?"); null for other
    /// questions and for "how many" followed by a stopword.
    /// </summary>
    public string? Counted { get; } = Kind == AnswerKind.Count && HowManyOf().Match(Text) is { Success: true } m ? TextAnalyzer.WordTerm(m.Groups[1].Value.ToLowerInvariant()) : null;

    /// <summary>
    /// The question with its names left out ("Who directed the romantic comedy?" of "Who directed the Will Smith romantic
    /// comedy Hitch?"): what it asks about them, which the answering sentence says in its own words. A question of
    /// nothing but names is kept whole, since embedding services refuse empty text.
    /// </summary>
    public string TextWithoutNames()
    {
        var rest = string.Join(' ', Tokenizer.Tokenize(Text).Where(t => TextAnalyzer.Term(t) is not { } term || !Names.Contains(term)).Select(t => t.Text));
        return rest.Length > 0 ? rest : Text;
    }

    /// <summary>"When was the article about … published?", "the link to the article": what the question asks of the article itself.</summary>
    public static ArticleMetadata MetadataAsked(string question)
    {
        var lower = question.Trim().ToLowerInvariant();
        return MetadataAsked(lower, Classify(lower));
    }

    private static ArticleMetadata MetadataAsked(string lower, AnswerKind kind) =>
        !ArticleNoun().IsMatch(lower) ? ArticleMetadata.None
        : kind == AnswerKind.Date && PublishVerb().IsMatch(lower) || ArticleDate().IsMatch(lower) ? ArticleMetadata.PublicationDate
        : LinkNoun().IsMatch(lower) || WhereToRead().IsMatch(lower) ? ArticleMetadata.Link
        : TitleNoun().IsMatch(lower) && ArticleTitled().IsMatch(lower) ? ArticleMetadata.Title
        : ArticleMetadata.None;

    public static QuestionProfile Analyze(string question, TermStatistics statistics)
    {
        var q = question.Trim();
        var lower = q.ToLowerInvariant();
        var tokens = Tokenizer.Tokenize(q);

        var terms = new Dictionary<string, QuestionTerm>(StringComparer.Ordinal);
        var category = AnswerCategory(tokens);
        var kind = Classify(lower);
        var metadata = MetadataAsked(lower, kind);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (TextAnalyzer.Term(tokens[i]) is not { } stem) continue;
            // "When was the article ... posted?", "the link to the article": they describe the metadata, not the text to find.
            if (metadata != ArticleMetadata.None && IsMetadataWord(tokens[i].Normalized)) continue;
            // A capitalised word after the first is a name ("Honda", "Carlos Ghosn"): the subject of the question.
            var isName = i > 0 && char.IsUpper(tokens[i].Text[0]) || tokens[i].Kind == TokenKind.Number;
            // A word no passage contains cannot tell passages apart, and is mostly the asker's own wording ("output"
            // for "production"), not a fact the articles lack: it is left out. A name or number no passage contains
            // stays, as a sign the question is about something else.
            if (!isName && statistics.DocumentCount > 0 && statistics.DocumentFrequency(stem) == 0) continue;
            var weight = statistics.Idf(stem) * (isName ? NameBoost : 1.0) * (category.Contains(i) ? CategoryWeight : 1.0);
            if (!terms.TryGetValue(stem, out var existing) || existing.Weight < weight) terms[stem] = new QuestionTerm(stem, weight, isName);
        }

        var words = tokens.Select(t => t.Normalized).ToHashSet(StringComparer.Ordinal);
        return new QuestionProfile(q, kind, terms.Values.ToList(), words, metadata);
    }

    /// <summary>
    /// In "Which automaker joined ...?" the words after "which" name the kind of answer, not evidence for it: the answer
    /// sentence says "Mitsubishi Motors", not "automaker". Their tokens count for less.
    /// </summary>
    private static HashSet<int> AnswerCategory(List<Token> tokens)
    {
        var category = new HashSet<int>();
        var start = tokens.FindIndex(t => t.Normalized is "which" or "what" or "whose");
        if (start < 0) return category;
        for (var i = start + 1; i < tokens.Count && category.Count < MaxCategoryWords; i++)
        {
            var word = tokens[i].Normalized;
            if (tokens[i].Kind != TokenKind.Word || Stopwords.Contains(word) || word.EndsWith("ed", StringComparison.Ordinal)) break;
            category.Add(i);
        }
        return category;
    }

    private static bool IsMetadataWord(string word) =>
        ArticleNoun().IsMatch(word) || PublishVerb().IsMatch(word) || LinkNoun().IsMatch(word) || TitleNoun().IsMatch(word) || word is "original" or "originally" or "read" or "find" or "date" or "publication";

    private static AnswerKind Classify(string q)
    {
        if (DateQuestion().IsMatch(q)) return AnswerKind.Date;
        if (AgeQuestion().IsMatch(q)) return AnswerKind.Age;
        if (ScoreQuestion().IsMatch(q)) return AnswerKind.Score;
        if (CountQuestion().IsMatch(q)) return AnswerKind.Count;
        if (MeasureQuestion().IsMatch(q)) return AnswerKind.Measure;
        if (PercentQuestion().IsMatch(q)) return AnswerKind.Percent;
        if (QuantityQuestion().IsMatch(q)) return MoneyWord().IsMatch(q) ? AnswerKind.Money : AnswerKind.Quantity;
        if (SumQuestion().IsMatch(q)) return AnswerKind.Money;
        if (PersonQuestion().IsMatch(q)) return AnswerKind.Person;
        if (PlaceQuestion().IsMatch(q)) return AnswerKind.Place;
        if (NameQuestion().IsMatch(q)) return AnswerKind.Name;
        return AnswerKind.Unknown;
    }

    [GeneratedRegex(@"(?<![\w.])(?:not|never|no|none|nor|cannot)\b|n['’]t\b", RegexOptions.IgnoreCase)]
    private static partial Regex Negation();

    [GeneratedRegex(@"^\s*when\b|\b(what|which|in what|on what)\s+(year|date|day|month|time)\b")]
    private static partial Regex DateQuestion();

    [GeneratedRegex(@"\bhow old\b|\b(what|which)\s+age\b")]
    private static partial Regex AgeQuestion();

    [GeneratedRegex(@"\b(what|how)\b.*\b(score|scoreline|final result)\b")]
    private static partial Regex ScoreQuestion();

    [GeneratedRegex(@"\bhow many\b|\b(what|which)\s+(number)\b")]
    private static partial Regex CountQuestion();

    [GeneratedRegex(@"\bhow many\s+([a-z]+)", RegexOptions.IgnoreCase)]
    private static partial Regex HowManyOf();

    [GeneratedRegex(@"\bhow (far|high|tall|long|deep|fast|heavy|wide)\b")]
    private static partial Regex MeasureQuestion();

    [GeneratedRegex(@"\b(what|which)\s+(percentage|percent|proportion|share|rate)\b|\bby how much\b")]
    private static partial Regex PercentQuestion();

    [GeneratedRegex(@"\bhow (much|large|big|small)\b|\bwhat (was|is|were|are) the (price|cost|value|amount|size|figure|total)\b")]
    private static partial Regex QuantityQuestion();

    /// <summary>
    /// "What was X's net profit?", "What is her salary?", "What price will X charge?": a sum of money asked for by what it
    /// is, not by "how much". The sum must be what is asked ("the reason for the profit warning" is not), so no
    /// preposition comes before it.
    /// </summary>
    [GeneratedRegex(@"^\s*what (was|is|were|are)\s+(?:(?!(?:of|for|in|on|at|about|behind|with|to|from|by)\s)[\w'’.&-]+\s+){0,6}?(salary|salaries|profits?|revenues?|budget|fees?|turnover|earnings|valuation|price|cost)\b|\b(what|which)\s+(price|fees?|salary|wages?|sum)\b")]
    private static partial Regex SumQuestion();

    /// <summary>Words of paying and selling in any of their forms ("pays", "paying", "paid"), and the sums' own nouns.</summary>
    [GeneratedRegex(@"\b(pa(?:y|ys|ying|id)|cost(?:s|ing)?|spen(?:d|ds|ding|t)|worth|price[sd]?|sel(?:l|ls|ling)|sold|bu(?:y|ys|ying)|bought|rais(?:e|es|ed|ing)|fund(?:s|ed|ing)?|invest(?:s|ed|ing)?|bid(?:s|ding)?|offer(?:s|ed|ing)?|grant(?:s|ed)?|fin(?:e|es|ed)|earn(?:s|ed|ing)?|budget|deal|loan|salary|fees?|money|prizes?|charg(?:e|es|ed|ing)|wages?|income)\b")]
    private static partial Regex MoneyWord();

    [GeneratedRegex(@"^\s*(who|whom)\b|\bwho\s+(is|was|runs|ran|will|has|had|leads|led|won|wins|became|replaced|said|heads|headed)\b")]
    private static partial Regex PersonQuestion();

    /// <summary>
    /// "Where …?", "Which city …?", also with a word or two describing the place ("which Thai resort", "what northern
    /// province"), but not across a verb ("what did the city council decide" asks for a decision).
    /// </summary>
    [GeneratedRegex(@"^\s*where\b|\b(which|what)\s+(?:(?!(?:is|was|are|were|do|does|did|has|have|had|will|would|can|could)\s)[a-z]+\s+){0,2}?(country|countries|city|cities|town|venue|place|state|region|stadium|location|resort|island|county|province|continent|capital|port|district|village)\b")]
    private static partial Regex PlaceQuestion();

    [GeneratedRegex(@"^\s*(which|whose)\b|\b(what|which)\s+(company|firm|team|club|band|film|group|name|brand|product|carmaker|automaker|party|award|title|song|album|game)\b|\bname of\b")]
    private static partial Regex NameQuestion();

    [GeneratedRegex(@",\s+and\s+(?:(?:by|in|on|at|to|for|from|of|with)\s+)?(?:how|what|which|who|whom|whose|when|where|why)\b", RegexOptions.IgnoreCase)]
    private static partial Regex SecondQuestion();

    [GeneratedRegex(@"^\s*(why|how)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ReasonQuestion();

    [GeneratedRegex(@"\b(article|story|report|post|piece|news item|item)\b")]
    private static partial Regex ArticleNoun();

    [GeneratedRegex(@"\b(posted|post|published|publish|written|dated|released|appeared|come out|came out)\b")]
    private static partial Regex PublishVerb();

    /// <summary>"What is the publication date of …", "the date of the article", "What date is on the story …": the article's own date, asked without a verb.</summary>
    [GeneratedRegex(@"\b(?:(?:publication|publishing|post|posting)\s+date|date\s+(?:of|on)\s+(?:the|this|that)\s+(?:article|story|piece|post))\b|^\s*what\s+date\s+is\s+(?:on\s+)?the\s+(?:article|story|piece|post)\b")]
    private static partial Regex ArticleDate();

    [GeneratedRegex(@"\b(link|links|url|urls|web address|website|web page|webpage)\b")]
    private static partial Regex LinkNoun();

    [GeneratedRegex(@"\b(title|titled|headline|headlined)\b")]
    private static partial Regex TitleNoun();

    /// <summary>
    /// The nouns whose title is the article's own: a "report" or an "item" in an article is often a thing of its own
    /// ("What was the title of the report the panel published?"), whose title the text gives.
    /// </summary>
    [GeneratedRegex(@"\b(article|story|piece|news item)\b")]
    private static partial Regex ArticleTitled();

    /// <summary>"Where can I read the article …?" asks for its address, not for a place.</summary>
    [GeneratedRegex(@"^\s*where\s+(can|could|do|should|would|might)\s+(i|we|you|one)\s+(read|find|see|get)\b")]
    private static partial Regex WhereToRead();

}
