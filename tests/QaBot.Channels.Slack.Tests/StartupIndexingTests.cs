using System.Net;
using Microsoft.Extensions.DependencyInjection;
using QaBot.Ingestion;

namespace QaBot.Channels.Slack.Tests;

public sealed class StartupIndexingTests
{
    /// <summary>Reads <c>.gated</c> files only once the test opens the gate, holding start-up indexing where the test wants it.</summary>
    private sealed class GatedReader : IDocumentReader
    {
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyCollection<string> Extensions { get; } = [".gated"];

        public async Task<RawDocument> ReadAsync(string path, CancellationToken cancellationToken)
        {
            await Gate.Task.WaitAsync(cancellationToken);
            return new RawDocument(await File.ReadAllTextAsync(path, cancellationToken));
        }
    }

    [Fact]
    public async Task A_question_sent_while_the_corpus_is_indexed_is_answered_from_the_whole_index()
    {
        var folder = Directory.CreateTempSubdirectory("qabot-late-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "teapots.gated"),
                "Zorblax teapot exports\n\nThe Zorblax company said its quarterly exports of teapots rose by 37.5% to 81,000 units in March.\n");
            await using var slack = await FakeSlackApi.StartAsync();
            var reader = new GatedReader();
            // Not waiting for the index: the question comes while it is being built.
            await using var server = await SlackServerFixture.StartServerAsync(
                SlackServerFixture.SlackSettings(slack, new() { ["QaBot:Corpus:Paths:1"] = folder.FullName }),
                services => services.AddSingleton<IDocumentReader>(reader), waitUntilReady: false);
            var (http, baseUrl) = (server.Http, server.BaseUrl);

            var channel = SlackRequests.NewChannel();
            using var accepted = await http.SendAsync(SlackRequests.Signed(new Uri(baseUrl, "/api/slack/events"),
                SlackRequests.Callback(SlackRequests.Mention(channel, "1700000100.000100", "How much did Zorblax teapot exports rise?"))));
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            using var indexing = await http.GetAsync(new Uri(baseUrl, "/readyz"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, indexing.StatusCode);

            reader.Gate.SetResult();
            var reply = Assert.Single(await slack.WaitForMessagesAsync(channel));
            Assert.Contains("37.5%", reply.Field("text"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
