using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using QaBot.Core.Tests.Infrastructure;

namespace QaBot.Core.Tests;

/// <summary>The pipeline reports what operators watch: spans per step and counters for questions and declines.</summary>
public sealed class TelemetryTests(SeedsIndexFixture seeds) : IClassFixture<SeedsIndexFixture>
{
    [Fact]
    public async Task Answering_emits_spans_for_each_step_and_counts_declines()
    {
        var spans = new ConcurrentBag<string>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("QaBot.", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a => spans.Add($"{a.Source.Name}/{a.DisplayName}"),
        };
        ActivitySource.AddActivityListener(activities);

        var counts = new ConcurrentDictionary<string, long>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "QaBot.Answering") listener.EnableMeasurementEvents(instrument);
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, _, _) => counts.AddOrUpdate(instrument.Name, value, (_, v) => v + value));
        meters.Start();

        await seeds.Answers.AskAsync(Seeds.HondaQuestion);
        await seeds.Answers.AskAsync("What is the melting point of gold?");

        Assert.Contains("QaBot.Answering/answer", spans);
        Assert.Contains("QaBot.Retrieval/retrieve", spans);
        // Other tests of the class may answer concurrently, so these are lower bounds.
        Assert.True(counts.GetValueOrDefault("qabot.questions") >= 2, $"questions counted: {counts.GetValueOrDefault("qabot.questions")}");
        Assert.True(counts.GetValueOrDefault("qabot.declined") >= 1, $"declines counted: {counts.GetValueOrDefault("qabot.declined")}");
    }
}
