using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using QaBot.Channels.BotFramework;

namespace QaBot.Channels.DirectLine;

/// <summary>An activity in a conversation's feed; its sequence number is the watermark that follows it; its size in JSON bytes.</summary>
public sealed record StoredActivity(long Sequence, Activity Activity, int Bytes);

/// <summary>
/// One Direct Line conversation: the feed of user and bot activities (bounded in count and in JSON bytes, oldest dropped
/// first), and the WebSocket currently streaming it. Watermarks are sequence numbers, so they stay valid when old
/// activities are dropped.
/// </summary>
public sealed class DirectLineConversation : IDirectLineConversation
{
    private readonly Lock _gate = new();
    private readonly Queue<StoredActivity> _feed = new();
    private readonly int _capacity;
    private readonly long _maxBytes;
    private readonly Action<long> _bytesChanged;
    private long _bytes;
    private bool _forgotten;
    private long _lastSequence;
    private long _lastUsedTicks;
    private Channel<StoredActivity>? _stream;

    /// <param name="bytesChanged">Told how many bytes the feed grew or shrank by, for the store's total.</param>
    public DirectLineConversation(string id, string userId, int capacity, long maxBytes, Action<long> bytesChanged, DateTimeOffset now)
    {
        Id = id;
        UserId = userId;
        _capacity = capacity;
        _maxBytes = maxBytes;
        _bytesChanged = bytesChanged;
        Touch(now);
    }

    public string Id { get; }

    public string UserId { get; }

    public DateTimeOffset LastUsed => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);

    public void Touch(DateTimeOffset now) => Interlocked.Exchange(ref _lastUsedTicks, now.UtcTicks);

    /// <summary>Gives <paramref name="activity"/> its id and timestamp, appends it and pushes it to the open stream.</summary>
    public Activity Append(Activity activity, DateTimeOffset now)
    {
        lock (_gate)
        {
            var sequence = ++_lastSequence;
            var stamped = activity with
            {
                Id = string.Create(CultureInfo.InvariantCulture, $"{Id}|{sequence:D7}"),
                Timestamp = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
                Conversation = new ConversationAccount { Id = Id },
            };
            var stored = new StoredActivity(sequence, stamped, JsonSerializer.SerializeToUtf8Bytes(stamped, BotJson.Options).Length);
            _feed.Enqueue(stored);
            var change = (long)stored.Bytes;
            // The newest activity always stays, so a reply is never lost to its own size.
            while (_feed.Count > 1 && (_feed.Count > _capacity || _bytes + change > _maxBytes)) change -= _feed.Dequeue().Bytes;
            _bytes += change;
            if (!_forgotten) _bytesChanged(change);

            // A stream that cannot keep up is closed; its client reconnects from its watermark and loses nothing still kept.
            if (_stream is { } stream && !stream.Writer.TryWrite(stored))
            {
                stream.Writer.TryComplete();
                _stream = null;
            }

            // No Touch here: only the client's own requests count as use, so a late bot reply cannot keep an abandoned conversation alive.
            return stamped;
        }
    }

    /// <summary>The kept activities after <paramref name="watermark"/> and the watermark to ask with next time.</summary>
    public (IReadOnlyList<Activity> Activities, string Watermark) After(long watermark)
    {
        lock (_gate)
        {
            var activities = _feed.Where(a => a.Sequence > watermark).Select(a => a.Activity).ToList();
            return (activities, FormatWatermark(activities.Count > 0 ? _lastSequence : watermark));
        }
    }

    public Task<long> LastSequenceAsync()
    {
        lock (_gate) return Task.FromResult(_lastSequence);
    }

    public Task<ActivitySet> AfterAsync(long watermark)
    {
        var (activities, next) = After(watermark);
        return Task.FromResult(new ActivitySet(activities, next));
    }

    public Task<ChannelReader<StoredActivity>> OpenStreamAsync(long watermark) => Task.FromResult(OpenStream(watermark));

    /// <inheritdoc cref="IDirectLineConversation.OpenStreamAsync"/>
    public ChannelReader<StoredActivity> OpenStream(long watermark)
    {
        lock (_gate)
        {
            _stream?.Writer.TryComplete();
            var stream = NewStream(_capacity, _maxBytes);
            foreach (var stored in _feed.Where(a => a.Sequence > watermark)) stream.Writer.TryWrite(stored);
            _stream = stream;
            return stream.Reader;
        }
    }

    public void CloseStream(ChannelReader<StoredActivity> reader)
    {
        lock (_gate)
        {
            if (_stream is null || _stream.Reader != reader) return;
            _stream.Writer.TryComplete();
            _stream = null;
        }
    }

    /// <summary>Bytes the feed holds now.</summary>
    public long Bytes
    {
        get { lock (_gate) return _bytes; }
    }

    /// <summary>Ends the stream and stops counting toward the store's total; returns the bytes the feed held, for the store to subtract.</summary>
    public long Forget()
    {
        lock (_gate)
        {
            _forgotten = true;
            _stream?.Writer.TryComplete();
            _stream = null;
            return _bytes;
        }
    }

    /// <summary>
    /// A stream's buffer of unsent activities: twice the feed, but no more than the feed's byte budget allows for
    /// activities of 4 KB, so a client that never reads cannot hold many large activities after the feed has dropped them.
    /// </summary>
    public static Channel<StoredActivity> NewStream(int capacity, long maxBytes) =>
        Channel.CreateBounded<StoredActivity>(new BoundedChannelOptions((int)Math.Clamp(maxBytes / 4096, 16, capacity * 2L)) { SingleReader = true });

    public static string FormatWatermark(long sequence) => sequence.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses a client's watermark: empty (or absent) means "from the start".</summary>
    public static bool TryParseWatermark(string? value, out long sequence)
    {
        sequence = 0;
        return string.IsNullOrEmpty(value) || (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out sequence));
    }
}
