using System.Text.Json.Nodes;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>
/// Issue 13's kill test, played by the real load tool (tools/QaBot.LoadTest) as a process: two server processes share one
/// Redis, 64 conversations (a quarter over Slack, each event redelivered to the other replica) alternate between them,
/// and one replica is killed with SIGKILL in the middle of the run.
/// </summary>
public sealed class ReplicaKillTests
{
    [SkippableFact]
    public async Task Killing_one_of_two_replicas_under_64_conversations_costs_only_its_questions_in_flight()
    {
        await using var redis = await RedisServer.StartAsync();
        var folder = Directory.CreateTempSubdirectory("qabot-kill-");
        var reportPath = Path.Combine(folder.FullName, "report.json");
        try
        {
            string[] arguments =
            [
                BuiltTools.LoadToolDll,
                $"--Load:ServerDll={Path.Combine(AppContext.BaseDirectory, "QaBot.Server.dll")}",
                $"--Load:WorkingDirectory={RepositoryPaths.Root}",
                // The seeds alone, indexed by each replica and not persisted: start-up takes seconds.
                "--Load:CorpusPaths:0=seeds",
                "--Load:ServerEnvironment:QaBot__Index__Persist=false",
                $"--Load:ServerEnvironment:QaBot__Feedback__Path={Path.Combine(folder.FullName, "feedback.db")}",
                "--Load:ServerEnvironment:QaBot__State__Provider=Redis",
                $"--Load:ServerEnvironment:QaBot__State__Redis__Configuration={redis.Configuration}",
                $"--Load:ServerLog={Path.Combine(folder.FullName, "server.log")}",
                $"--Load:ReportPath={reportPath}",
                "--Load:Replicas=2", "--Load:State=redis", "--Load:Concurrency=64", "--Load:SlackShare=0.25",
                "--Load:WarmupSeconds=2", "--Load:Seconds=20", "--Load:KillReplicaAfterSeconds=8",
                // A question lost on the killed replica is known lost after this long; the run ends that much after the kill at most.
                "--Load:AnswerTimeout=00:00:20",
                // Correctness is the point here; throughput on a shared 2-core machine is scripts/load's business.
                "--Load:MinAnswersPerSecond=0",
            ];

            var run = await ProcessRunner.RunAsync(BuiltTools.DotnetHost, arguments, TimeSpan.FromMinutes(4), workingDirectory: RepositoryPaths.Root);

            var json = File.Exists(reportPath) ? await File.ReadAllTextAsync(reportPath) : throw new InvalidOperationException($"The load tool wrote no report (exit {run.ExitCode}):\n{run.Output}");
            var report = JsonNode.Parse(json)!;
            var because = $"report: {json}";
            Assert.True((int?)report["killedReplicaAtSecond"] == 8, because);
            Assert.True((long)report["answersAfterKill"]! > 0, because);
            // Requests in flight on the killed replica are counted apart (lostInFlight); nothing else may fail.
            Assert.True((long)report["errors"]! == 0, because);
            Assert.True((long)report["lostFollowUps"]! == 0, because);
            Assert.True((long)report["duplicateAnswers"]! == 0, because);
            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}; {because}");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
