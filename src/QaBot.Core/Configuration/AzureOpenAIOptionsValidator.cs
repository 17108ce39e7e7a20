using Microsoft.Extensions.Options;

namespace QaBot.Configuration;

/// <summary>When Azure OpenAI is selected for embeddings or answers, its endpoint, key and deployments must be set; the message names each missing key.</summary>
public sealed class AzureOpenAIOptionsValidator(IOptions<EmbeddingOptions> embedding, IOptions<AnsweringOptions> answering) : IValidateOptions<AzureOpenAIOptions>
{
    public ValidateOptionsResult Validate(string? name, AzureOpenAIOptions options)
    {
        var forEmbedding = embedding.Value.Provider == ModelProvider.AzureOpenAI;
        var forAnswers = answering.Value.Provider == ModelProvider.AzureOpenAI;
        if (!forEmbedding && !forAnswers) return ValidateOptionsResult.Success;

        var failures = new List<string>();
        const string s = AzureOpenAIOptions.Section;
        if (options.Endpoint is null) failures.Add($"{s}:Endpoint is required when Azure OpenAI is selected (e.g. https://my-resource.openai.azure.com/).");
        else if (!options.Endpoint.IsAbsoluteUri) failures.Add($"{s}:Endpoint must be an absolute https URL (e.g. https://my-resource.openai.azure.com/), not '{options.Endpoint}'.");
        else if (options.Endpoint.Scheme != Uri.UriSchemeHttps && !options.Endpoint.IsLoopback) failures.Add($"{s}:Endpoint must be an https URL (got '{options.Endpoint}').");
        // Without a key QaBot signs in with Entra ID, whose tokens the SDK sends over https only.
        else if (string.IsNullOrWhiteSpace(options.ApiKey) && options.Endpoint.Scheme != Uri.UriSchemeHttps)
            failures.Add($"{s}:Endpoint must be https when {s}:ApiKey is not set (Entra ID sign-in); got '{options.Endpoint}'.");
        if (forAnswers && string.IsNullOrWhiteSpace(options.ChatDeployment)) failures.Add($"{s}:ChatDeployment is required when {AnsweringOptions.Section}:Provider is AzureOpenAI.");
        if (forEmbedding && string.IsNullOrWhiteSpace(options.EmbeddingDeployment)) failures.Add($"{s}:EmbeddingDeployment is required when {EmbeddingOptions.Section}:Provider is AzureOpenAI.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
