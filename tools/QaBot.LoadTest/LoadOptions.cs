using System.ComponentModel.DataAnnotations;

namespace QaBot.LoadTest;

/// <summary>Settings of a load run, under <c>Load</c> (command line: <c>--Load:Seconds=60</c>).</summary>
public sealed class LoadOptions
{
    public const string Section = "Load";

    /// <summary>The built QaBot.Server.dll, started with <c>dotnet</c> as a process of its own.</summary>
    [Required]
    public string ServerDll { get; set; } = "";

    /// <summary>The server's working folder: the repository root, whose appsettings.json and relative corpus paths it uses.</summary>
    [Required]
    public string WorkingDirectory { get; set; } = ".";

    /// <summary>Folders the server indexes at start-up (relative to <see cref="WorkingDirectory"/>).</summary>
    /// <remarks>No default in code: the binder appends to a list initialiser.</remarks>
    [MinLength(1)]
    public List<string> CorpusPaths { get; set; } = [];

    /// <summary>Extra environment variables for the server, e.g. <c>QaBot__Turns__MaxConcurrentAnswers</c>, to try a setting under load.</summary>
    public Dictionary<string, string> ServerEnvironment { get; set; } = [];

    /// <summary>JSON-lines files whose <c>question</c> fields are asked, besides the generator's own questions.</summary>
    public List<string> QuestionFiles { get; set; } = [];

    /// <summary>
    /// Server processes behind the generator's round-robin "load balancer": each conversation's turns go to different
    /// replicas in turn, so only state shared between them (<c>QaBot:State:Provider=Redis</c>) keeps follow-ups in context.
    /// </summary>
    [Range(1, 8)]
    public int Replicas { get; set; } = 1;

    /// <summary>What the replicas share their state through, for the report (the server settings come from <see cref="ServerEnvironment"/>).</summary>
    public string State { get; set; } = "memory";

    /// <summary>Seconds into the measured run at which the last replica is killed (SIGKILL); 0 kills none.</summary>
    [Range(0, 3600)]
    public int KillReplicaAfterSeconds { get; set; }

    /// <summary>
    /// Share of the conversations held over Slack's Events API instead of Bot Framework; every Slack event is also
    /// redelivered (as Slack retries) to the next replica, which must not answer it a second time.
    /// </summary>
    [Range(0.0, 1.0)]
    public double SlackShare { get; set; }

    /// <summary>The throughput bar of the main run, in answered questions per second.</summary>
    [Range(0.0, 100_000.0)]
    public double MinAnswersPerSecond { get; set; } = 200;

    /// <summary>Length of the measured run, after the warm-up.</summary>
    [Range(1, 3600)]
    public int Seconds { get; set; } = 60;

    /// <summary>Load before measuring starts, so JIT and first-touch allocations are not measured.</summary>
    [Range(0, 300)]
    public int WarmupSeconds { get; set; } = 5;

    /// <summary>Conversations in flight at once; each waits for its answer before asking the next question.</summary>
    [Range(1, 4096)]
    public int Concurrency { get; set; } = 64;

    /// <summary>Questions per conversation: the first, then follow-ups in the same conversation.</summary>
    [Range(1, 20)]
    public int TurnsPerConversation { get; set; } = 2;

    /// <summary>Hard bound on questions sent, whatever the duration.</summary>
    [Range(1, 10_000_000)]
    public int MaxQuestions { get; set; } = 1_000_000;

    /// <summary>Soak mode: RSS is also sampled one minute in, and its growth from there to the end must stay under the bar.</summary>
    public bool Soak { get; set; }

    [Range(0.0, 1000.0)]
    public double MaxRssGrowthPercent { get; set; } = 10;

    /// <summary>A question with no answer activity after this long counts as a missing answer.</summary>
    public TimeSpan AnswerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long start-up indexing may take before the run is abandoned.</summary>
    public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Where the server's console output goes.</summary>
    [Required]
    public string ServerLog { get; set; } = "qabot-load-server.log";

    /// <summary>A file the JSON report is also written to, for a program to read (the console also carries log lines).</summary>
    public string? ReportPath { get; set; }

    /// <summary>Seed of the question choice, so runs are comparable.</summary>
    public int Seed { get; set; } = 7;
}
