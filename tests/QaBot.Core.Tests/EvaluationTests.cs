using QaBot.Answering;
using QaBot.Chunking;
using QaBot.Core.Tests.Infrastructure;
using QaBot.Evaluation;
using QaBot.Retrieval;

namespace QaBot.Core.Tests;

public class EvaluationTests
{
    private static readonly EvalQuestion Honda = new("q1", Seeds.HondaQuestion, ["24.2%"], true, "Japanese friend told me");
    private static readonly EvalQuestion Mercury = new("q2", "What is the melting point of gold?", [], false, "");

    private static Answer Answer(string text, bool declined = false, string title = "Last night, a Japanese friend told me two pieces of news", string source = "seeds/x.txt") => new()
    {
        Question = "q",
        StandaloneQuestion = "q",
        Text = text,
        Declined = declined,
        Citations = declined ? [] : [new Citation(1, title, source, null, text, null, "x#0")],
        Timing = new(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero),
        Passages = [new RetrievedPassage(new Chunk("x#0", "x", title, source, null, null, 0, text), 1, 1, 1)],
    };

    [Fact]
    public void A_hit_needs_an_expected_string_in_the_answer_text_and_the_right_first_source()
    {
        var hit = Evaluator.Score(Honda, Answer("Honda's sales dropped by 24.2%."), 5);
        Assert.True(hit.Hit);
        Assert.True(hit.CitationHit);
        Assert.True(hit.RecallAt5);

        var wrongSource = Evaluator.Score(Honda, Answer("Sales dropped by 24.2%.", title: "Nissan cuts production", source: "seeds/y.txt"), 5);
        Assert.True(wrongSource.Hit);
        Assert.False(wrongSource.CitationHit);
        Assert.False(wrongSource.RecallAt5);

        Assert.False(Evaluator.Score(Honda, Answer("Honda's sales dropped sharply."), 5).Hit);
        Assert.False(Evaluator.Score(Honda, Answer(new string('x', 300) + " 24.2%"), 5).Hit); // past the 300 characters a user reads
    }

    [Fact]
    public void Summary_rates_answerable_and_unanswerable_questions_separately()
    {
        var results = new[]
        {
            Evaluator.Score(Honda, Answer("Honda's sales dropped by 24.2%."), 10),
            Evaluator.Score(Honda with { Id = "q3" }, Answer(QaBot.Answering.Answer.DeclineText, declined: true), 20),
            Evaluator.Score(Mercury, Answer(QaBot.Answering.Answer.DeclineText, declined: true), 30),
        };
        var summary = Evaluator.Summarize(results, ingestMs: 123, chunks: 26);

        Assert.Equal(3, summary.Questions);
        Assert.Equal(2, summary.Answerable);
        Assert.Equal(0.5, summary.AnswerHitRate);
        Assert.Equal(0.5, summary.FalseDeclineRate);
        Assert.Equal(1.0, summary.AbstainAccuracy);
        Assert.Equal(0.5, summary.CitationHitRate);
        Assert.Equal(123, summary.IngestMs);
        Assert.Equal(26, summary.Chunks);
        Assert.Equal(20, summary.P50Ms);
        Assert.Equal(30, summary.P95Ms);
        Assert.True(summary.PeakRssMb > 0);

        Assert.Null(Evaluator.Summarize([results[2]], 0, 0).AnswerHitRate);
    }

    [Fact]
    public void Percentile_is_nearest_rank()
    {
        var sorted = Enumerable.Range(1, 20).Select(i => (double)i).ToList();
        Assert.Equal(10, Evaluator.Percentile(sorted, 0.50));
        Assert.Equal(19, Evaluator.Percentile(sorted, 0.95));
        Assert.Equal(20, Evaluator.Percentile(sorted, 1.0));
        Assert.Equal(0, Evaluator.Percentile([], 0.5));
    }

    [SharedDataFact("eval/seeds-dev.jsonl")]
    public void The_shared_seeds_question_set_loads()
    {
        var questions = EvalQuestion.Load(RepositoryPaths.EvalSet("seeds-dev.jsonl"));
        Assert.Contains(questions, q => q.Question.Length > 0 && q.ExpectAny.Contains("24.2%") && q.Answerable);
        Assert.Contains(questions, q => !q.Answerable && q.ExpectAny.Count == 0);
    }

    [Fact]
    public void A_bad_line_in_a_question_set_names_the_file_and_line()
    {
        using var folder = new TempFolder();
        var path = folder.Write("bad.jsonl", "{\"id\":\"a\",\"question\":\"q\",\"expect_any\":[],\"answerable\":false,\"source_hint\":\"\"}\n\nnot json\n");
        var error = Assert.Throws<FormatException>(() => EvalQuestion.Load(path));
        Assert.StartsWith(path + ":3:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unanswerable_question_may_leave_out_its_empty_fields_but_not_its_text()
    {
        using var folder = new TempFolder();
        var path = folder.Write("short.jsonl", "{\"id\":\"a\",\"question\":\"Who won?\",\"answerable\":false}\n{\"id\":\"b\",\"answerable\":false}\n");

        var error = Assert.Throws<FormatException>(() => EvalQuestion.Load(path));
        var first = EvalQuestion.Load(folder.Write("one.jsonl", File.ReadLines(path).First()));

        Assert.StartsWith(path + ":2:", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"question\"", error.Message, StringComparison.Ordinal);
        Assert.Equal(("", 0), (first[0].SourceHint, first[0].ExpectAny.Count));
    }

    [Theory]
    [InlineData("{\"id\":\"a\",\"question\":\"Who won?\",\"expect_any\":[\"Chelsea\"]}", "answerable")]
    [InlineData("{\"id\":\"a\",\"question\":\"Who won?\",\"expect_any\":[\"\"],\"answerable\":true}", "no empty string")]
    [InlineData("{\"id\":\"a\",\"question\":\"Who won?\",\"answerable\":true}", "expect_any")]
    [InlineData("{\"id\":\"a\",\"question\":\"Who won?\",\"answerable\":false}\n{\"id\":\"a\",\"question\":\"Who lost?\",\"answerable\":false}", "used before")]
    public void A_line_that_would_be_scored_wrongly_is_refused_naming_it(string lines, string reason)
    {
        using var folder = new TempFolder();
        var path = folder.Write("set.jsonl", lines + "\n");

        var error = Assert.Throws<FormatException>(() => EvalQuestion.Load(path));

        Assert.StartsWith(path + ":", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_set_is_refused_rather_than_scored()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<FormatException>(() => EvalQuestion.Load(folder.Write("empty.jsonl", "\n")));
        Assert.Contains("no questions", error.Message, StringComparison.Ordinal);
    }
}
