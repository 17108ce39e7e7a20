using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Feedback;

namespace QaBot.Cli.Commands;

/// <summary><c>qabot feedback export|stats</c>: the votes the server stored (QaBot:Feedback:Path), read from the same file.</summary>
internal static class FeedbackCommand
{
    // Readable for the reviewer who labels the cases: quotes, accents and £ as they are (still valid JSON).
    private static readonly JsonSerializerOptions Lines = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // The reader must not create an empty file where the server never wrote one, nor need leave to write the server's file.
    private static readonly Dictionary<string, string?> ReaderSettings = new() { [FeedbackOptions.Section + ":ReadOnly"] = "true" };

    public static Command Create(Option<bool> verbose)
    {
        var since = new Option<string?>("--since") { Description = "Only votes from this date (UTC, e.g. 2026-11-01) or time on.", Recursive = true };

        var down = new Option<bool>("--down") { Description = "Only down-votes: the answers worth turning into test cases." };
        var channel = new Option<string?>("--channel") { Description = "Only votes from this channel (msteams, webchat, slack, …)." };
        var export = new Command("export", "Write votes as eval question-set lines (shared/eval/README.md) to stdout, with the bot's answer and sources for the reviewer.")
        {
            down, channel,
        };
        export.SetAction(async (parse, ct) =>
        {
            var from = Since(parse.GetValue(since));
            using var host = CliHost.Build(parse.GetValue(verbose), settings: ReaderSettings);
            var votes = await host.Services.GetRequiredService<IFeedbackStore>()
                .QueryAsync(new FeedbackQuery(parse.GetValue(down) ? Vote.Down : null, from, parse.GetValue(channel)), ct);
            var unknown = 0;
            foreach (var vote in votes)
            {
                if (vote.Question is null)
                {
                    unknown++;
                    continue;
                }

                Console.WriteLine(JsonSerializer.Serialize(FeedbackCase.From(vote), Lines));
            }

            // A vote on an answer the server no longer remembered has no question to turn into a case.
            if (unknown > 0) await Console.Error.WriteLineAsync($"Skipped {unknown} vote(s) whose answer was no longer remembered when the vote came.");
            await Console.Error.WriteLineAsync($"Exported {votes.Count - unknown} vote(s). Label each line (expect_any, answerable, source_hint) before adding it to an eval set.");
            return 0;
        });

        var stats = new Command("stats", "Print votes per day and channel, and the share of down-votes.");
        stats.SetAction(async (parse, ct) =>
        {
            var from = Since(parse.GetValue(since));
            using var host = CliHost.Build(parse.GetValue(verbose), settings: ReaderSettings);
            var days = await host.Services.GetRequiredService<IFeedbackStore>().StatsAsync(from, ct);
            if (days.Count == 0)
            {
                Console.WriteLine("No votes yet.");
                return 0;
            }

            var width = Math.Max("Channel".Length, days.Max(d => d.Channel.Length));
            Console.WriteLine($"{"Day",-10}  {"Channel".PadRight(width)}  {"Up",6}  {"Down",6}  {"Down share",10}");
            foreach (var d in days) Console.WriteLine(Row(d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Channel, d.Up, d.Down));
            Console.WriteLine(Row("Total", "", days.Sum(d => d.Up), days.Sum(d => d.Down)));
            return 0;

            string Row(string day, string name, int up, int downVotes) =>
                $"{day,-10}  {name.PadRight(width)}  {up,6}  {downVotes,6}  {Math.Round(100.0 * downVotes / (up + downVotes)),9:0}%".TrimEnd();
        });

        return new Command("feedback", "Votes on answers from every channel: export them as test cases, or count them.") { since, export, stats };
    }

    private static DateTimeOffset? Since(string? value) =>
        value is null ? null
        : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since) ? since
        : throw new FormatException($"--since {value} is not a date (e.g. 2026-11-01).");

    /// <summary>
    /// One eval question (shared/eval/README.md) for the reviewer to label: <c>expect_any</c> empty and <c>source_hint</c>
    /// blank until they fill them in; the bot's answer, its sources and the vote come along in extra fields, which the
    /// eval loader ignores.
    /// </summary>
    private sealed record FeedbackCase(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("question")] string Question,
        [property: JsonPropertyName("expect_any")] IReadOnlyList<string> ExpectAny,
        [property: JsonPropertyName("answerable")] bool Answerable,
        [property: JsonPropertyName("source_hint")] string SourceHint,
        [property: JsonPropertyName("vote")] string Vote,
        [property: JsonPropertyName("comment")] string? Comment,
        [property: JsonPropertyName("bot_answer")] string? BotAnswer,
        [property: JsonPropertyName("bot_sources")] IReadOnlyList<FeedbackSource> BotSources,
        [property: JsonPropertyName("channel")] string Channel,
        [property: JsonPropertyName("conversation_id")] string ConversationId,
        [property: JsonPropertyName("voted_at")] DateTimeOffset VotedAt)
    {
        public static FeedbackCase From(FeedbackRecord vote) => new(
            $"feedback-{vote.Id}", vote.Question!, [], true, "", vote.Vote == Feedback.Vote.Down ? "down" : "up", vote.Comment, vote.Answer,
            [.. vote.Citations.Select(c => new FeedbackSource(c.Index, c.Title, c.Source, c.Url, c.Quote))],
            vote.Channel, vote.ConversationId, vote.Time);
    }

    private sealed record FeedbackSource(
        [property: JsonPropertyName("index")] int Index,
        [property: JsonPropertyName("title")] string Title,
        [property: JsonPropertyName("source")] string Source,
        [property: JsonPropertyName("url")] string? Url,
        [property: JsonPropertyName("quote")] string Quote);
}
