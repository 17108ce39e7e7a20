using Microsoft.Extensions.Time.Testing;

namespace QaBot.Channels.Slack.Tests;

public sealed class RecentSlackEventsTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void An_event_id_is_accepted_once()
    {
        var recent = new RecentSlackEvents(_time);
        Assert.True(recent.TryAdd("Ev1"));
        Assert.False(recent.TryAdd("Ev1"));
        Assert.True(recent.TryAdd("Ev2"));
    }

    [Fact]
    public void Ids_expire_after_an_hour()
    {
        var recent = new RecentSlackEvents(_time);
        Assert.True(recent.TryAdd("Ev1"));
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.False(recent.TryAdd("Ev1"));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(recent.TryAdd("Ev1"));
    }

    [Fact]
    public void A_forgotten_id_is_accepted_again_and_then_remembered()
    {
        var recent = new RecentSlackEvents(_time);
        Assert.True(recent.TryAdd("Ev1"));
        recent.Forget("Ev1");
        _time.Advance(TimeSpan.FromMinutes(30));
        Assert.True(recent.TryAdd("Ev1"));
        // The first entry expiring must not take the second with it.
        _time.Advance(TimeSpan.FromMinutes(45));
        Assert.True(recent.TryAdd("Ev2"));
        Assert.False(recent.TryAdd("Ev1"));
    }

    [Fact]
    public void The_oldest_ids_make_room_when_full()
    {
        var recent = new RecentSlackEvents(_time);
        for (var i = 0; i < 10_000; i++) Assert.True(recent.TryAdd($"Ev{i}"));
        Assert.True(recent.TryAdd("EvNew"));
        Assert.True(recent.TryAdd("Ev0"));
        Assert.False(recent.TryAdd("Ev9999"));
    }
}
