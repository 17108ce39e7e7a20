using System.Threading.Channels;
using Microsoft.Extensions.AI;

namespace QaBot.Embedding;

/// <summary>
/// Merges concurrent requests into one call of the inner generator: while a call runs, the requests that arrive queue
/// up and go together in the next one. A model run on one short question is mostly fixed cost, so under load a batch
/// of questions costs little more than one of them; an idle server still runs each request at once, without waiting
/// for company. Requests merge only with requests made with the same options.
/// </summary>
public sealed class CoalescingEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _maxTexts;
    private readonly Task _running;

    /// <param name="maxTexts">The most texts merged into one call.</param>
    public CoalescingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, int maxTexts = 64)
        : base(inner)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTexts, 1);
        _maxTexts = maxTexts;
        _running = Task.Run(RunAsync);
    }

    public override Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        // A request as large as a merged call gains nothing from waiting for others.
        if (texts.Count >= _maxTexts) return base.GenerateAsync(texts, options, cancellationToken);
        var request = new Request(texts, options, cancellationToken);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(request), this);
        // The caller stops waiting when it cancels; the merged call still runs for the others.
        return request.Result.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var batch = new List<Request>();
        var reader = _queue.Reader;
        Request? carried = null;
        while (carried is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var texts = 0;
            if (carried is not null)
            {
                batch.Add(carried);
                texts = carried.Texts.Count;
                carried = null;
            }
            while (texts < _maxTexts && reader.TryRead(out var next))
            {
                if (next.Cancellation.IsCancellationRequested)
                {
                    next.Result.TrySetCanceled(next.Cancellation);
                    continue;
                }
                if (batch.Count > 0 && (!ReferenceEquals(next.Options, batch[0].Options) || texts + next.Texts.Count > _maxTexts))
                {
                    // Starts the next call, so requests keep their order.
                    carried = next;
                    break;
                }
                batch.Add(next);
                texts += next.Texts.Count;
            }
            if (batch.Count > 0) await RunBatchAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task RunBatchAsync(List<Request> batch)
    {
        try
        {
            // Not cancelled by any one caller: the others still want their vectors.
            var all = await base.GenerateAsync(batch.SelectMany(r => r.Texts), batch[0].Options, CancellationToken.None).ConfigureAwait(false);
            var offset = 0;
            foreach (var request in batch)
            {
                var own = new GeneratedEmbeddings<Embedding<float>>(all.Skip(offset).Take(request.Texts.Count)) { Usage = batch.Count == 1 ? all.Usage : null };
                offset += request.Texts.Count;
                request.Result.TrySetResult(own);
            }
        }
        catch (Exception ex)
        {
            foreach (var request in batch) request.Result.TrySetException(ex);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _queue.Writer.TryComplete();
            _running.GetAwaiter().GetResult();
        }
        base.Dispose(disposing);
    }

    private sealed record Request(IReadOnlyList<string> Texts, EmbeddingGenerationOptions? Options, CancellationToken Cancellation)
    {
        public TaskCompletionSource<GeneratedEmbeddings<Embedding<float>>> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
