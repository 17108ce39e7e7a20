namespace QaBot.Embedding;

/// <summary>
/// Reads the whole response body inside each resilience attempt. The OpenAI SDK returns once the headers arrive and
/// reads the body later, outside the pipeline; a body that stalls there would escape the attempt and total timeouts
/// (and wait for the SDK's 100-second network timeout) instead of being retried.
/// </summary>
internal sealed class ResponseBufferingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        return response;
    }
}
