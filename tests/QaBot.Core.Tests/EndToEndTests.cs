using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Answering;
using QaBot.Core.Tests.Infrastructure;
using QaBot.Ingestion;

namespace QaBot.Core.Tests;

/// <summary>Runs alone: embedding the BBC corpus on a machine that has no index yet takes both cores for minutes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WholeCorpusCollection
{
    public const string Name = "Whole corpus";
}

/// <summary>The whole pipeline from files to a cited answer, in process and through the CLI as a real process.</summary>
[Collection(WholeCorpusCollection.Name)]
public class EndToEndTests
{
    [Fact]
    public async Task Pipeline_over_the_seeds_answers_the_Honda_question_with_its_citation()
    {
        await using var services = QaBotTestHost.Build();
        var report = await QaBotTestHost.IngestConfiguredCorpusAsync(services);
        Assert.Equal(2, report.Documents);

        var answer = await services.GetRequiredService<AnswerService>().AskAsync(Seeds.HondaQuestion);

        Assert.False(answer.Declined);
        Assert.Contains("24.2%", answer.Text, StringComparison.Ordinal);
        Assert.Contains(Seeds.HondaFile, answer.Citations[0].Source, StringComparison.Ordinal);
        Assert.Contains("24.2%", answer.Citations[0].Quote, StringComparison.Ordinal);
    }

    [SharedDataFact("corpora/bbc")]
    public async Task Bbc_corpus_is_indexed_whole_and_answers_with_the_right_article()
    {
        // Seeds and BBC together, as the bot serves them, from the repository's persistent index (.qabot/, ignored by
        // git) so the corpus is embedded once per machine, not once per test run.
        await using var services = QaBotTestHost.Build(new()
        {
            ["QaBot:Corpus:Paths:0"] = RepositoryPaths.Seeds,
            ["QaBot:Corpus:Paths:1"] = RepositoryPaths.BbcCorpus,
            ["QaBot:Index:Persist"] = "true",
            ["QaBot:Index:Path"] = Path.Combine(RepositoryPaths.Root, ".qabot", "index"),
        });
        var report = await QaBotTestHost.IngestConfiguredCorpusAsync(services);

        // README.TXT is excluded by appsettings.json; every article (one of them Latin-1) is read.
        Assert.Equal(2227, report.Documents);
        var catalog = services.GetRequiredService<DocumentCatalog>();
        Assert.DoesNotContain(catalog.Documents, d => d.Id.Contains("README", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(catalog.Documents, d => d.Id == "bbc/sport/199.txt" && d.Title == "Chelsea sack Mutu");

        var answers = services.GetRequiredService<AnswerService>();
        var ibm = await answers.AskAsync("How much is IBM investing to strengthen its Linux commitment?");
        Assert.False(ibm.Declined);
        Assert.Contains("100m", ibm.Text, StringComparison.Ordinal);
        Assert.Contains("IBM puts cash behind Linux push", ibm.Citations[0].Title, StringComparison.Ordinal);

        var mutu = await answers.AskAsync("How much was Mutu's signing fee?");
        Assert.Contains(mutu.Passages, p => p.Chunk.DocumentId == "bbc/sport/199.txt" && p.Chunk.Text.Contains("£15.8m", StringComparison.Ordinal));

        // Only the seed articles have a date: a question for an article's date finds the dated one about its subject,
        // even when undated articles about it rank first, and never answers with an article about something else.
        var posted = await answers.AskAsync("When was the Nissan article posted?");
        Assert.Equal(new DateOnly(2025, 2, 14), Assert.Single(posted.Citations).Published);
        Assert.StartsWith("It was published on February 14, 2025", posted.Text, StringComparison.Ordinal);
        var undated = await answers.AskAsync("When was the article about Carlos Ghosn posted?");
        Assert.DoesNotContain(undated.Citations, c => c.Published is not null);

        // The seed's "out of the 1.1 trillion yuan in sales" is about scrapping old items for new ones, which the sentence
        // before it says: a BBC figure about sales in general is no disagreement with it.
        var scrapping = await answers.AskAsync("How large were the sales from trading in old items for new ones?");
        Assert.Contains("1.1 trillion", scrapping.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(ExtractiveAnswerer.SourcesDisagree, scrapping.Text, StringComparison.Ordinal);
        Assert.All(scrapping.Citations, c => Assert.Contains(Seeds.HondaFile, c.Source, StringComparison.Ordinal));
    }
}

public partial class CliTests
{
    [Fact]
    public async Task Ask_prints_the_answer_with_its_numbered_source()
    {
        var (exit, stdout, stderr) = await BuiltTools.RunCliAsync("ask", Seeds.HondaQuestion);

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        Assert.Contains("24.2%", stdout, StringComparison.Ordinal);
        Assert.Contains("[1]", stdout, StringComparison.Ordinal);
        // The article has a URL, so the source is shown by it, as in every channel.
        Assert.Contains("(https://www.toutiao.com/article/1837622667907080/", stdout, StringComparison.Ordinal);
        Assert.Contains("Sources:", stdout, StringComparison.Ordinal);
        // stdout is the answer alone, for scripts; the timing is a diagnostic.
        Assert.DoesNotMatch(@"\(\d+(\.\d+)? ms\)", stdout);
        Assert.Matches(@"\(\d+(\.\d+)? ms\)", stderr);
    }

    [Theory]
    [InlineData("ask", "--docs", "seeds", Seeds.HondaQuestion)]
    [InlineData("ask", "--docs", "seeds/000_9ec63df35f7e173c.txt", "seeds/001_b07f44d90e4799da.txt", Seeds.HondaQuestion)]
    [InlineData("ask", Seeds.HondaQuestion, "--docs", "seeds")]
    [InlineData("ask", "-v", Seeds.HondaQuestion)]
    public async Task Ask_takes_the_question_before_or_after_the_options(params string[] arguments)
    {
        var (exit, stdout, stderr) = await BuiltTools.RunCliAsync(arguments);

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        Assert.Contains("24.2%", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ingest_names_each_skipped_file_in_one_line_and_ends_with_a_tally(bool verbose)
    {
        using var folder = new TempFolder();
        folder.Write("good.txt", "Zorblax exports\n\nThe Zorblax company said its teapot exports rose by 37.5% in March.\n");
        folder.Write("broken.pdf", "this is not a pdf");
        folder.Write("blank.txt", "   \n\n  \n");
        // The index of a folder deleted with the test goes with it, and so does the model cache beside it.
        using var state = new TempFolder();
        var index = Path.Combine(state.Path, "index");

        // Ingest answers nothing, so it needs no answerer's weights file.
        var environment = new Dictionary<string, string> { ["QaBot__Index__Path"] = index, ["QaBot__Answering__WeightsPath"] = Path.Combine(state.Path, "absent.json") };
        var (exit, stdout, stderr) = await BuiltTools.RunCliAsync(environment, verbose ? ["ingest", "--docs", folder.Path, "-v"] : ["ingest", "--docs", folder.Path]);

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        Assert.Contains(" ms: 1 embedded, 0 removed.\nStored in " + IngestionPipeline.IndexFolder(index, [folder.Path]) + ".\n", stdout, StringComparison.Ordinal);
        // The deploy step leaves the question model's optimised int8 graph for the servers, though it asks nothing itself.
        Assert.Contains(Directory.EnumerateFiles(Path.Combine(state.Path, "models")), f => Path.GetFileName(f).Contains("-int8@", StringComparison.Ordinal));
        Assert.Contains("Skipped 2 files: 1 unreadable, 1 with no text.", stdout, StringComparison.Ordinal);
        var skipLines = stderr.Split('\n').Where(l => l.Contains("Skipped ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, skipLines.Count);
        Assert.Contains(skipLines, l => l.Contains("broken.pdf: could not be read: ", StringComparison.Ordinal));
        Assert.Contains(skipLines, l => l.Contains("blank.txt: no text after cleaning", StringComparison.Ordinal));
        // The reader's stack trace ("at UglyToad.PdfPig.….Parse(") only when asked for.
        const string stackFrame = @"\sat [\w.]+\.\w+\(";
        if (verbose) Assert.Matches(stackFrame, stderr);
        else Assert.DoesNotMatch(stackFrame, stderr);
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes
    public async Task Ingest_skips_an_article_its_user_may_not_read_and_indexes_the_rest()
    {
        using var folder = new TempFolder();
        folder.Write("good.txt", "Zorblax exports\n\nThe Zorblax company said its teapot exports rose by 37.5% in March.\n");
        var locked = folder.Write("locked.txt", "Zorblax imports\n\nImports of Zorblax teapots fell by 12% in April.\n");
        File.SetUnixFileMode(locked, UnixFileMode.None);
        using var state = new TempFolder();
        File.SetUnixFileMode(state.Path, (UnixFileMode)0b111_111_111); // the unprivileged user writes the index here

        var (exit, stdout, stderr) = await BuiltTools.RunCliAsUnprivilegedUserAsync(
            new Dictionary<string, string> { ["QaBot__Index__Path"] = Path.Combine(state.Path, "index") }, "ingest", "--docs", folder.Path);

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        Assert.Contains("1 embedded", stdout, StringComparison.Ordinal);
        Assert.Contains("locked.txt: could not be read: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_of_a_folder_with_no_articles_fails_and_says_why()
    {
        using var folder = new TempFolder();
        folder.Write("table.csv", "year,sales\n2004,12\n");
        using var state = new TempFolder();

        var (exit, _, stderr) = await BuiltTools.RunCliAsync(new Dictionary<string, string> { ["QaBot__Index__Path"] = Path.Combine(state.Path, "index") },
            "ingest", "--docs", folder.Path);

        Assert.Equal(1, exit);
        Assert.Contains($"Warning: no articles found in {folder.Path}", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_index_folder_that_cannot_be_written_costs_ask_a_warning_and_ingest_an_error_naming_the_setting()
    {
        using var state = new TempFolder();
        // Under a regular file no folder can be made, whoever runs the test (root ignores permissions).
        var environment = new Dictionary<string, string> { ["QaBot__Index__Path"] = Path.Combine(state.Write("not-a-folder", ""), "index") };

        var asked = await BuiltTools.RunCliAsync(environment, "ask", "--docs", "seeds", Seeds.HondaQuestion);
        var ingested = await BuiltTools.RunCliAsync(environment, "ingest", "--docs", "seeds");

        Assert.True(asked.ExitCode == 0, asked.Output);
        Assert.Contains("24.2%", asked.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("The index could not be stored in", asked.StandardError, StringComparison.Ordinal);
        Assert.NotEqual(0, ingested.ExitCode);
        Assert.Contains("(QaBot:Index:Path)", ingested.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Piped_chat_answers_every_question_past_blank_lines_until_exit_in_any_case()
    {
        const string nissan = "What have Nissan's old models in the US market run into?";
        var input = $"{Seeds.HondaQuestion}\n\n{nissan}\nEXIT\nWhy did Nissan cut production?\n";

        var (exit, stdout, stderr) = await BuiltTools.PipeToCliAsync(input, "chat", "--docs", "seeds");

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        Assert.Contains("24.2%", stdout, StringComparison.Ordinal);
        Assert.Contains("inventory backlogs", stdout, StringComparison.Ordinal); // asked after the blank line
        Assert.Equal(2, stdout.Split("Sources:").Length - 1); // nothing after EXIT
    }

    [Fact]
    public async Task Piped_chat_thanks_the_user_without_a_lookup_and_goes_on_with_the_last_question()
    {
        var (exit, stdout, stderr) = await BuiltTools.PipeToCliAsync($"{Seeds.HondaQuestion}\nthanks!\nwhy?\n", "chat", "--docs", "seeds");

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        Assert.Contains("You're welcome", stdout, StringComparison.Ordinal);
        Assert.Contains("(understood as: Why have Honda sales dropped?)", stdout, StringComparison.Ordinal);
        Assert.Equal(2, stdout.Split("Sources:").Length - 1); // the thanks cites nothing
        Assert.Equal(2, TimingLine().Count(stderr)); // and took no time worth a line
    }

    [GeneratedRegex(@"^\(\d+\.\d ms\)$", RegexOptions.Multiline)]
    private static partial Regex TimingLine();

    [SharedDataFact("corpora/bbc")]
    public async Task Ctrl_C_during_an_ingest_ends_it_in_one_line_with_exit_130_and_keeps_what_was_embedded()
    {
        using var state = new TempFolder();
        var environment = new Dictionary<string, string> { ["QaBot__Index__Path"] = Path.Combine(state.Path, "index") };

        var (exit, _, stderr) = await BuiltTools.InterruptCliAsync(environment, TimeSpan.FromSeconds(6), "ingest", "--docs", RepositoryPaths.BbcCorpus);

        Assert.True(exit == 130, $"exit {exit}; stderr: {stderr}");
        Assert.Equal("Interrupted.", stderr.Trim());
        // The articles embedded before the interrupt are stored, for the next run to resume from.
        Assert.Single(Directory.EnumerateFiles(Path.Combine(state.Path, "index"), "manifest.json", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("Required argument missing for command: 'ask'", "ask", "--docs", "seeds")]
    [InlineData("Required argument missing for option: '--docs'", "ask", "--docs")]
    [InlineData("Required argument missing for command: 'ask': the question is empty", "ask", "  ")]
    [InlineData("Unrecognized option '--bogus'", "ask", "--bogus")]
    public async Task Ask_without_a_question_says_what_is_missing(string expected, params string[] arguments)
    {
        var (exit, stdout, stderr) = await BuiltTools.RunCliAsync(arguments);

        Assert.NotEqual(0, exit);
        Assert.StartsWith(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("couldn't find", stdout, StringComparison.Ordinal); // nothing was taken as the question
    }

    [Fact]
    public async Task Calibrate_on_some_sets_must_be_told_where_to_write_so_the_committed_fit_stays()
    {
        var committed = await File.ReadAllBytesAsync(RepositoryPaths.Weights);
        var (exit, _, stderr) = await BuiltTools.RunCliAsync("calibrate", "--sets", "seeds-dev");

        Assert.NotEqual(0, exit);
        Assert.Contains("name --out", stderr, StringComparison.Ordinal);
        Assert.Equal(committed, await File.ReadAllBytesAsync(RepositoryPaths.Weights));
    }

    [SharedDataFact("eval/seeds-dev.jsonl")]
    public async Task Eval_ends_with_a_json_summary_line()
    {
        var questions = RepositoryPaths.EvalSet("seeds-dev.jsonl");
        var (exit, stdout, stderr) = await BuiltTools.RunCliAsync("eval", "--questions", "../shared/eval/seeds-dev.jsonl");

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        var last = stdout.TrimEnd().Split('\n')[^1];
        using var summary = JsonDocument.Parse(last);
        var root = summary.RootElement;
        string[] keys = ["questions", "answerable", "answer_hit_rate", "abstain_accuracy", "false_decline_rate", "citation_hit_rate", "recall_at_5", "ingest_ms", "chunks", "p50_ms", "p95_ms", "peak_rss_mb"];
        foreach (var key in keys) Assert.True(root.TryGetProperty(key, out _), $"missing '{key}' in {last}");
        Assert.Equal(File.ReadLines(questions).Count(l => l.Trim().Length > 0), root.GetProperty("questions").GetInt32());
        Assert.True(root.GetProperty("chunks").GetInt32() > 0);
        Assert.Equal(1.0, root.GetProperty("abstain_accuracy").GetDouble());
    }

    [Theory]
    [InlineData("--min-answer-hit", "90", "--min-answer-hit must be a rate between 0 and 1.")]
    [InlineData("--max-false-declines", "NaN", "--max-false-declines must be a rate between 0 and 1.")]
    public async Task Eval_refuses_a_gate_that_is_not_a_rate(string gate, string value, string expected)
    {
        var (exit, _, stderr) = await BuiltTools.RunCliAsync("eval", "--questions", "tests/eval/seeds-probe.jsonl", gate, value);

        Assert.NotEqual(0, exit);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_fails_a_gate_on_a_rate_the_set_cannot_measure_and_checks_the_json_path_before_asking()
    {
        using var folder = new TempFolder();
        // Only unanswerable questions: there is no answer hit rate to hold to a bar.
        var set = folder.Write("unanswerable.jsonl", "{\"id\":\"u1\",\"question\":\"Who painted the ceiling\\nof the Sistine Chapel?\",\"answerable\":false}\n");

        var gated = await BuiltTools.RunCliAsync("eval", "--docs", "seeds", "--questions", set, "--min-answer-hit", "0.5");
        var unwritable = await BuiltTools.RunCliAsync("eval", "--docs", "seeds", "--questions", set, "--json", Path.Combine(folder.Path, "no-such-folder", "out.json"));

        Assert.Equal(3, gated.ExitCode);
        Assert.Contains("answer_hit_rate was not measured", gated.StandardError, StringComparison.Ordinal);
        Assert.Contains("u1: Who painted the ceiling of the Sistine Chapel? -> ", gated.StandardOutput, StringComparison.Ordinal); // one line
        Assert.Equal(2, unwritable.ExitCode);
        Assert.DoesNotContain("decl u1", unwritable.StandardOutput, StringComparison.Ordinal); // refused before the question was asked
    }

    [Fact]
    public async Task Bench_measures_a_single_Markdown_article_named_by_docs()
    {
        using var folder = new TempFolder();
        var article = folder.Write("zorblax.md", "# Zorblax exports\n\nThe Zorblax company said its teapot exports rose by 37.5% in March.\n");
        var set = folder.Write("set.jsonl", "{\"id\":\"z1\",\"question\":\"By how much did Zorblax teapot exports rise?\",\"answerable\":true,\"expect_any\":[\"37.5%\"]}\n");
        using var state = new TempFolder();

        var (exit, stdout, stderr) = await BuiltTools.RunCliAsync(new Dictionary<string, string> { ["QaBot__Index__Path"] = Path.Combine(state.Path, "index") },
            "bench", "--docs", article, "--questions", set, "--load-runs", "1");

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        var result = System.Text.Json.Nodes.JsonNode.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1])!;
        Assert.Equal(1, (int)result["documents"]!);
        Assert.True((double?)result["one_changed_file_first_ms"] > 0, stdout);
        Assert.Equal(1, (int)result["questions_timed"]!);
        // Embedding throughput is timed against raw ONNX Runtime in rounds, in turn, and the ratio is their median.
        Assert.Equal(3, (int)result["embed_rounds"]!);
        Assert.InRange((double)result["embed_ratio_to_raw"]!, 0.1, 10);
    }

    [Fact]
    public async Task A_missing_document_folder_exits_with_code_2_and_names_it()
    {
        var (exit, _, stderr) = await BuiltTools.RunCliAsync("ask", "anything", "--docs", "no-such-folder-for-qabot-tests");
        Assert.Contains("no-such-folder-for-qabot-tests", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Assert.Equal(2, exit);
    }

    [Theory]
    [InlineData("--sets", "squad", "'squad-dev'")]
    [InlineData("--max-false-declines", "1.5", "--max-false-declines must be between 0 and 1.")]
    [InlineData("--news-weight", "0", "--news-weight must be greater than 0.")]
    public async Task Calibrate_refuses_an_option_it_cannot_use_with_the_reason_before_reading_anything(string option, string value, string expected)
    {
        var (exit, _, stderr) = await BuiltTools.RunCliAsync("calibrate", option, value, "--out", Path.Combine(Path.GetTempPath(), "qabot-never-written"));

        Assert.NotEqual(0, exit);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Sequence contains no elements", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Path.GetTempPath(), "qabot-never-written")));
    }

    [Theory]
    [InlineData("ask", "QaBot__Chunking__MinChars=900;QaBot__Chunking__MaxChars=400", "QaBot:Chunking:MinChars (900)")]
    [InlineData("ask", "QaBot__Chunking__MaxChars=abc", "'QaBot:Chunking:MaxChars'")]
    [InlineData("ask", "QaBot__Answering__Provider=AzureOpenAI", "QaBot:AzureOpenAI:Endpoint")]
    [InlineData("ask", "QaBot__Answering__WeightsPath=no-such-weights.json", "QaBot:Answering:WeightsPath")]
    [InlineData("ingest", "QaBot__Chunking__MaxChars=abc", "'QaBot:Chunking:MaxChars'")]
    [InlineData("calibrate", "QaBot__Retrieval__TopK=0", "QaBot:Retrieval:TopK")]
    [InlineData("ask", "QaBot__Conversations__MaxConversations=5000", "QaBot:Conversations:MaxConversations is not a setting QaBot reads")]
    [InlineData("ingest", "QaBot__Retreival__TopK=3", "QaBot:Retreival is not a setting QaBot reads; did you mean QaBot:Retrieval?")]
    public async Task A_configuration_error_exits_with_code_2_in_one_line_naming_the_key(string command, string settings, string expected)
    {
        var environment = settings.Split(';').Select(s => s.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        var (exit, _, stderr) = await BuiltTools.RunCliAsync(environment, command == "ask" ? [command, Seeds.HondaQuestion] : [command]);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.All(lines, l => Assert.StartsWith("Configuration error: ", l));
        Assert.Contains(lines, l => l.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", stderr);
        Assert.Equal(2, exit);
    }
}
