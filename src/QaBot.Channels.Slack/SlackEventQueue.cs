using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace QaBot.Channels.Slack;

/// <summary>Accepted events waiting for an answer; bounded so a flood cannot exhaust memory.</summary>
internal sealed class SlackEventQueue(IOptions<SlackOptions> options)
{
    private readonly Channel<SlackEnvelope> channel = Channel.CreateBounded<SlackEnvelope>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ChannelReader<SlackEnvelope> Reader => channel.Reader;

    /// <summary>False when the queue is full.</summary>
    public bool TryEnqueue(SlackEnvelope envelope) => channel.Writer.TryWrite(envelope);
}
