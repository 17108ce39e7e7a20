using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace QaBot.VectorStore;

/// <summary>Validates record types for the in-memory store: any data type, one key, float vectors.</summary>
internal sealed class InMemoryModelBuilder() : CollectionModelBuilder(new CollectionModelBuildingOptions
{
    RequiresAtLeastOneVector = true,
    SupportsMultipleVectors = false,
})
{
    public const string SupportedVectorTypes = "ReadOnlyMemory<float>, Embedding<float>, float[]";

    protected override bool IsDataPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = "";
        return true;
    }

    protected override bool IsVectorPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = SupportedVectorTypes;
        return type == typeof(ReadOnlyMemory<float>) || type == typeof(ReadOnlyMemory<float>?) || type == typeof(Embedding<float>) || type == typeof(float[]);
    }
}
