using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using QaBot.Ingestion;
using QaBot.Turns;

namespace QaBot.Core.Tests;

/// <summary>The shared turn runner on its own: index first, order within a conversation, conversations side by side, bounds.</summary>
public class TurnRunnerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static ServiceProvider Build(int maxQueued = 1000, int perConversation = 8) => QaBotTestHost.Build(
        new() { ["QaBot:Turns:MaxQueuedTurns"] = $"{maxQueued}", ["QaBot:Turns:MaxQueuedPerConversation"] = $"{perConversation}" },
        services => services.AddSingleton<IHostApplicationLifetime, ApplicationLifetime>());

    [Fact]
    public async Task No_turn_runs_before_the_index_is_ready()
    {
        await using var services = Build();
        var turns = services.GetRequiredService<TurnRunner>();
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Assert.Equal(TurnAdmission.Accepted, turns.TryEnqueue("a", _ => { ran.SetResult(); return Task.CompletedTask; }));
        await Task.Delay(200); // nothing may happen while indexing: a short look is enough to catch a runner that does not wait
        Assert.False(ran.Task.IsCompleted);

        services.GetRequiredService<IndexStatus>().SetReady(new IngestionReport(0, 0, TimeSpan.Zero));
        await ran.Task.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_conversation_runs_its_turns_in_order_while_another_goes_ahead()
    {
        await using var services = Build();
        services.GetRequiredService<IndexStatus>().SetReady(new IngestionReport(0, 0, TimeSpan.Zero));
        var turns = services.GetRequiredService<TurnRunner>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var order = new List<string>();
        var otherDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        turns.TryEnqueue("slow", async _ => { await release.Task; lock (order) order.Add("first"); });
        turns.TryEnqueue("slow", _ => { lock (order) order.Add("second"); secondDone.SetResult(); return Task.CompletedTask; });
        turns.TryEnqueue("other", _ => { otherDone.SetResult(); return Task.CompletedTask; });

        await otherDone.Task.WaitAsync(Patience); // not held up by the slow conversation
        Assert.Empty(order);
        release.SetResult();
        await secondDone.Task.WaitAsync(Patience);
        Assert.Equal(["first", "second"], order);
    }

    [Fact]
    public async Task A_stopping_runner_finishes_the_turns_it_accepted_and_refuses_new_ones()
    {
        await using var services = Build();
        services.GetRequiredService<IndexStatus>().SetReady(new IngestionReport(0, 0, TimeSpan.Zero));
        var turns = services.GetRequiredService<TurnRunner>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new List<bool>();
        for (var i = 0; i < 2; i++)
            turns.TryEnqueue("a", async ct => { await release.Task; lock (finished) finished.Add(ct.IsCancellationRequested); });

        var stopping = turns.StopAsync(CancellationToken.None);

        Assert.True(turns.IsStopping);
        Assert.Equal(TurnAdmission.Stopping, turns.TryEnqueue("b", _ => Task.CompletedTask));
        Assert.False(stopping.IsCompleted);
        release.SetResult();
        await stopping.WaitAsync(Patience);
        Assert.Equal([false, false], finished);
    }

    [Fact]
    public async Task Past_the_stop_timeout_the_turns_left_are_cancelled()
    {
        await using var services = QaBotTestHost.Build(new() { ["QaBot:Turns:StopTimeout"] = "00:00:00.2" });
        services.GetRequiredService<IndexStatus>().SetReady(new IngestionReport(0, 0, TimeSpan.Zero));
        var turns = services.GetRequiredService<TurnRunner>();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        turns.TryEnqueue("stuck", async ct =>
        {
            started.SetResult();
            await using (ct.Register(() => cancelled.SetResult())) await Task.Delay(Timeout.Infinite, ct);
        });
        await started.Task.WaitAsync(Patience);

        await turns.StopAsync(CancellationToken.None).WaitAsync(Patience);

        await cancelled.Task.WaitAsync(Patience);
    }

    [Fact]
    public async Task Queues_are_bounded_per_conversation_and_in_all()
    {
        await using var services = Build(maxQueued: 3, perConversation: 2);
        var turns = services.GetRequiredService<TurnRunner>(); // index not ready: every turn waits
        Task Wait(CancellationToken _) => Task.CompletedTask;

        Assert.Equal(TurnAdmission.Accepted, turns.TryEnqueue("a", Wait));
        Assert.Equal(TurnAdmission.Accepted, turns.TryEnqueue("a", Wait));
        Assert.Equal(TurnAdmission.ConversationFull, turns.TryEnqueue("a", Wait));
        Assert.Equal(TurnAdmission.Accepted, turns.TryEnqueue("b", Wait));
        Assert.True(turns.IsFull);
        Assert.Equal(TurnAdmission.Full, turns.TryEnqueue("c", Wait));

        // Once the turns have run, nothing of them is kept.
        services.GetRequiredService<IndexStatus>().SetReady(new IngestionReport(0, 0, TimeSpan.Zero));
        using var timeout = new CancellationTokenSource(Patience);
        while (turns.Queued > 0 || turns.ActiveConversations > 0) await Task.Delay(10, timeout.Token);
        Assert.False(turns.IsFull);
    }
}
