using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace QaBot.VectorStore;

/// <summary>
/// A <see cref="VectorStore"/> that keeps every collection in process memory. No in-memory connector package is
/// served here, so QaBot brings its own; it speaks the standard abstractions, so a hosted store (Azure AI Search,
/// Qdrant, ...) can replace it by registering another <see cref="VectorStore"/>.
/// </summary>
public sealed class InMemoryVectorStore(IEmbeddingGenerator? embeddingGenerator = null) : Microsoft.Extensions.VectorData.VectorStore
{
    private readonly ConcurrentDictionary<string, object> _collections = new(StringComparer.Ordinal);

    public override VectorStoreCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null)
    {
        var collection = _collections.GetOrAdd(name, n => new InMemoryVectorStoreCollection<TKey, TRecord>(n, definition, embeddingGenerator));
        return collection as VectorStoreCollection<TKey, TRecord>
            ?? throw new InvalidOperationException($"Collection '{name}' already exists with a different key or record type ({collection.GetType().Name}).");
    }

    public override VectorStoreCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition) =>
        throw new NotSupportedException("The in-memory store supports typed record classes only.");

    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var (name, collection) in _collections)
        {
            if (await ((IInMemoryCollection)collection).ExistsAsync()) yield return name;
        }
    }

    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default) =>
        _collections.TryGetValue(name, out var c) ? ((IInMemoryCollection)c).ExistsAsync() : Task.FromResult(false);

    public override Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default) =>
        _collections.TryRemove(name, out var c) ? ((IInMemoryCollection)c).DeleteAsync() : Task.CompletedTask;

    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
}

internal interface IInMemoryCollection
{
    Task<bool> ExistsAsync();

    Task DeleteAsync();
}
