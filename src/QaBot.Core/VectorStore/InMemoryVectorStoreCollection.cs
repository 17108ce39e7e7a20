using System.Linq.Expressions;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace QaBot.VectorStore;

/// <summary>
/// One in-memory collection. Records and their unit-length vectors are held by reference and ranked with a bounded
/// heap; a reader-writer lock lets any number of searches run while ingestion upserts. A full-precision scan of 17k
/// 1024-dimensional vectors reads 70 MB and is bound by memory bandwidth (~7 ms here), so large collections are
/// searched in two stages: an int8 copy of every vector (a quarter of the bytes) picks a generous candidate pool,
/// and the candidates are re-scored exactly with SIMD cosine (<see cref="TensorPrimitives"/>). The int8 copy is made
/// by the first search that needs it, so a collection only read by key (the sentences) never holds one.
/// </summary>
public sealed class InMemoryVectorStoreCollection<TKey, TRecord> : VectorStoreCollection<TKey, TRecord>, IInMemoryCollection
    where TKey : notnull
    where TRecord : class
{
    private const int TwoStageThreshold = 4096;
    private const int Oversampling = 4;

    private readonly CollectionModel _model;
    private readonly VectorPropertyModel _vector;
    private readonly bool _normalize;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<TKey, int> _slots = new();
    private readonly Stack<int> _free = new();
    private readonly ConditionalWeakTable<Expression, Func<TRecord, bool>> _compiledFilters = new();
    private TRecord?[] _records = new TRecord?[256];
    private ReadOnlyMemory<float>[] _vectors = new ReadOnlyMemory<float>[256];
    private readonly Lock _encoding = new();
    private sbyte[]? _codes;
    private float[]? _codeScales;
    private int _dimensions;
    private int _count;
    private bool _exists;

    public InMemoryVectorStoreCollection(string name, VectorStoreCollectionDefinition? definition = null, IEmbeddingGenerator? embeddingGenerator = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _model = new InMemoryModelBuilder().Build(typeof(TRecord), typeof(TKey), definition, embeddingGenerator);
        _vector = _model.VectorProperty;
        _dimensions = _vector.Dimensions;
        _normalize = _vector.DistanceFunction switch
        {
            null or DistanceFunction.CosineSimilarity => true,
            DistanceFunction.DotProductSimilarity => false,
            var other => throw new NotSupportedException($"Distance function '{other}' is not supported by the in-memory store; use CosineSimilarity or DotProductSimilarity."),
        };
    }

    public override string Name { get; }

    /// <summary>Number of records stored.</summary>
    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try { return _slots.Count; }
            finally { _lock.ExitReadLock(); }
        }
    }

    public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) => ((IInMemoryCollection)this).ExistsAsync();

    Task<bool> IInMemoryCollection.ExistsAsync() => Task.FromResult(Volatile.Read(ref _exists));

    public override Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        Volatile.Write(ref _exists, true);
        return Task.CompletedTask;
    }

    public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default) => ((IInMemoryCollection)this).DeleteAsync();

    Task IInMemoryCollection.DeleteAsync()
    {
        _lock.EnterWriteLock();
        try
        {
            _slots.Clear();
            _free.Clear();
            _records = new TRecord?[256];
            _vectors = new ReadOnlyMemory<float>[256];
            _codes = null;
            _codeScales = null;
            _count = 0;
            _exists = false;
        }
        finally { _lock.ExitWriteLock(); }
        return Task.CompletedTask;
    }

    public override Task<TRecord?> GetAsync(TKey key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        _lock.EnterReadLock();
        try { return Task.FromResult(_slots.TryGetValue(key, out var slot) ? _records[slot] : null); }
        finally { _lock.ExitReadLock(); }
    }

    public override async IAsyncEnumerable<TRecord> GetAsync(IEnumerable<TKey> keys, RecordRetrievalOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var key in keys)
        {
            if (await GetAsync(key, options, cancellationToken) is { } record) yield return record;
        }
    }

    public override async IAsyncEnumerable<TRecord> GetAsync(Expression<Func<TRecord, bool>> filter, int top, FilteredRecordRetrievalOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var predicate = Compile(filter);
        List<TRecord> matches;
        _lock.EnterReadLock();
        try { matches = _records.Take(_count).OfType<TRecord>().Where(predicate).ToList(); }
        finally { _lock.ExitReadLock(); }

        IEnumerable<TRecord> ordered = matches;
        if (options?.OrderBy is { } orderBy)
        {
            IOrderedEnumerable<TRecord>? sorted = null;
            foreach (var sort in orderBy(new FilteredRecordRetrievalOptions<TRecord>.OrderByDefinition()).Values)
            {
                var key = sort.PropertySelector.Compile();
                sorted = (sorted, sort.Ascending) switch
                {
                    (null, true) => matches.OrderBy(key),
                    (null, false) => matches.OrderByDescending(key),
                    (_, true) => sorted.ThenBy(key),
                    (_, false) => sorted.ThenByDescending(key),
                };
            }
            ordered = sorted ?? ordered;
        }
        foreach (var record in ordered.Skip(options?.Skip ?? 0).Take(top))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }
        await Task.CompletedTask;
    }

    public override Task DeleteAsync(TKey key, CancellationToken cancellationToken = default) => DeleteAsync([key], cancellationToken);

    public override Task DeleteAsync(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
    {
        _lock.EnterWriteLock();
        try
        {
            foreach (var key in keys)
            {
                if (!_slots.Remove(key, out var slot)) continue;
                _records[slot] = null;
                _vectors[slot] = default;
                _free.Push(slot);
            }
        }
        finally { _lock.ExitWriteLock(); }
        return Task.CompletedTask;
    }

    public override Task UpsertAsync(TRecord record, CancellationToken cancellationToken = default) => UpsertAsync([record], cancellationToken);

    public override Task UpsertAsync(IEnumerable<TRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        // Read keys and vectors and normalise outside the lock: searches keep running during ingestion. A vector that is
        // already of unit length (as embedders and the persistent index give them) is kept by reference, like its
        // record, rather than copied; one mapped from a stored index is unit length by construction and is not read
        // here, so its pages stay on disk until a search needs them.
        var list = records.Select(r => (Key: (TKey)_model.KeyProperty.GetValueAsObject(r)!, Record: r, Vector: VectorOf(r))).ToList();
        var width = list.Count == 0 ? 0 : list[0].Vector.Length;
        if (list.FirstOrDefault(p => p.Vector.Length != width) is { Record: not null } odd) throw new ArgumentException(WrongDimensions(odd.Key, odd.Vector.Length, width), nameof(records));
        var prepared = new ReadOnlyMemory<float>[list.Count];
        Parallel.For(0, list.Count, i =>
        {
            var vector = list[i].Vector;
            var norm = _normalize && !MemoryMarshal.TryGetMemoryManager<float, MappedIndexFile>(vector, out _) ? TensorPrimitives.Norm(vector.Span) : 1;
            if (norm > 0 && MathF.Abs(norm - 1) > 1e-4f)
            {
                var unit = new float[width];
                TensorPrimitives.Divide(vector.Span, norm, unit);
                vector = unit;
            }
            prepared[i] = vector;
        });
        _lock.EnterWriteLock();
        try
        {
            if (_dimensions == 0) _dimensions = width;
            if (list.Count > 0 && width != _dimensions) throw new ArgumentException(WrongDimensions(list[0].Key, width, _dimensions), nameof(records));
            // Grown once to what this batch needs: doubling through tens of thousands of vectors copies them many times.
            var added = list.Count(p => !_slots.ContainsKey(p.Key));
            EnsureCapacity(_count + Math.Max(0, added - _free.Count));
            _slots.EnsureCapacity(_slots.Count + added);
            for (var i = 0; i < list.Count; i++)
            {
                var (key, record, vector) = list[i];
                if (!_slots.TryGetValue(key, out var slot))
                {
                    slot = _free.Count > 0 ? _free.Pop() : _count++;
                    _slots[key] = slot;
                }
                _records[slot] = record;
                _vectors[slot] = prepared[i];
                if (_codes is not null) Encode(slot, _codes, _codeScales!);
            }
            _exists = true;
        }
        finally { _lock.ExitWriteLock(); }
        return Task.CompletedTask;
    }

    public override async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(TInput searchValue, int top, VectorSearchOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        ReadOnlyMemory<float> query = searchValue switch
        {
            ReadOnlyMemory<float> m => m,
            float[] a => a,
            Embedding<float> e => e.Vector,
            _ when _vector.EmbeddingGenerator is IEmbeddingGenerator<TInput, Embedding<float>> generator
                => (await generator.GenerateAsync(searchValue, cancellationToken: cancellationToken)).Vector,
            _ => throw new NotSupportedException($"Cannot search with a {typeof(TInput).Name}: pass one of {InMemoryModelBuilder.SupportedVectorTypes}, or configure an embedding generator for '{typeof(TInput).Name}' input."),
        };
        foreach (var result in Search(query.Span, top, options)) yield return result;
    }

    // Straight to optimised code, as Int8.Dot: the scan over every vector is the search.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private List<VectorSearchResult<TRecord>> Search(ReadOnlySpan<float> query, int top, VectorSearchOptions<TRecord>? options)
    {
        var skip = options?.Skip ?? 0;
        var keep = top + skip;
        var filter = options?.Filter is { } f ? Compile(f) : null;
        var threshold = options?.ScoreThreshold;

        var q = query.ToArray();
        if (_normalize)
        {
            var norm = TensorPrimitives.Norm(q);
            if (norm > 0) TensorPrimitives.Divide(q, norm, q);
        }

        _lock.EnterReadLock();
        try
        {
            if (_dimensions != 0 && q.Length != _dimensions)
            {
                throw new ArgumentException($"The query vector has {q.Length} dimensions; collection '{Name}' holds {_dimensions}-dimensional vectors.");
            }

            // Stage 1 (large collections): int8 codes pick a pool of candidates; stage 2: exact cosine ranks them.
            List<int>? pool = null;
            if (_count >= TwoStageThreshold)
            {
                var code = new sbyte[_dimensions];
                Int8.Quantize(q, code);
                var (codes, scales) = Codes();
                var coarse = new TopK(keep * Oversampling);
                for (var slot = 0; slot < _count; slot++)
                {
                    if (!IsCandidate(slot)) continue;
                    coarse.Add(slot, Int8.Dot(code, codes.AsSpan(slot * _dimensions, _dimensions)) * scales[slot]);
                }
                pool = coarse.Best();
            }

            var exact = new TopK(keep);
            var count = pool?.Count ?? _count;
            for (var i = 0; i < count; i++)
            {
                var slot = pool is null ? i : pool[i];
                if (pool is null && !IsCandidate(slot)) continue;
                var score = TensorPrimitives.Dot(q, _vectors[slot].Span);
                if (threshold is { } t && score < t) continue;
                exact.Add(slot, score);
            }
            return exact.BestWithScores().Skip(skip).Select(x => new VectorSearchResult<TRecord>(_records[x.Slot]!, x.Score)).ToList();
        }
        finally { _lock.ExitReadLock(); }

        bool IsCandidate(int slot) => _records[slot] is { } record && (filter is null || filter(record));
    }

    /// <summary>The best <c>k</c> slots by score, kept in a min-heap so a scan costs O(n log k).</summary>
    private sealed class TopK(int k)
    {
        private readonly PriorityQueue<int, float> _heap = new(k + 1);

        public void Add(int slot, float score)
        {
            if (_heap.Count < k) _heap.Enqueue(slot, score);
            else if (_heap.TryPeek(out _, out var worst) && score > worst) _heap.EnqueueDequeue(slot, score);
        }

        public List<int> Best() => BestWithScores().Select(x => x.Slot).ToList();

        /// <summary>Best first.</summary>
        public List<(int Slot, float Score)> BestWithScores()
        {
            var best = new List<(int, float)>(_heap.Count);
            while (_heap.TryDequeue(out var slot, out var score)) best.Add((slot, score));
            best.Reverse();
            return best;
        }
    }

    private ReadOnlyMemory<float> VectorOf(TRecord record) => _vector.GetValueAsObject(record) switch
    {
        ReadOnlyMemory<float> m => m,
        Embedding<float> e => e.Vector,
        float[] a => a,
        null => throw new ArgumentException($"Record '{_model.KeyProperty.GetValueAsObject(record)}' has no vector in '{_vector.ModelName}'."),
        var other => throw new NotSupportedException($"Vector type {other.GetType().Name} is not supported; use {InMemoryModelBuilder.SupportedVectorTypes}."),
    };

    private string WrongDimensions(TKey key, int length, int expected) =>
        $"Record '{key}' has a {length}-dimensional vector; collection '{Name}' holds {expected}-dimensional vectors.";

    private void EnsureCapacity(int slots)
    {
        if (_records.Length < slots) Array.Resize(ref _records, Math.Max(slots, _records.Length * 2));
        if (_vectors.Length < slots) Array.Resize(ref _vectors, Math.Max(slots, _records.Length));
        if (_codes is not null && _codes.Length < slots * _dimensions) Array.Resize(ref _codes, Math.Max(slots, _records.Length) * _dimensions);
        if (_codeScales is not null && _codeScales.Length < slots) Array.Resize(ref _codeScales, Math.Max(slots, _records.Length));
    }

    /// <summary>The int8 codes of every slot: made by the first search that needs them, then kept up to date by upserts.</summary>
    private (sbyte[] Codes, float[] Scales) Codes()
    {
        // Under the read lock: searches may race to make them, upserts cannot change the vectors meanwhile.
        lock (_encoding)
        {
            if (_codes is null)
            {
                var codes = new sbyte[_vectors.Length * _dimensions];
                var scales = new float[_vectors.Length];
                for (var slot = 0; slot < _count; slot++) Encode(slot, codes, scales);
                _codeScales = scales;
                _codes = codes;
            }
            return (_codes, _codeScales!);
        }
    }

    private void Encode(int slot, sbyte[] codes, float[] scales) =>
        scales[slot] = Int8.Quantize(_vectors[slot].Span, codes.AsSpan(slot * _dimensions, _dimensions));

    private Func<TRecord, bool> Compile(Expression<Func<TRecord, bool>> filter) =>
        _compiledFilters.GetValue(filter, static e => ((Expression<Func<TRecord, bool>>)e).Compile());

    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    protected override void Dispose(bool disposing)
    {
        if (disposing) _lock.Dispose();
        base.Dispose(disposing);
    }
}
