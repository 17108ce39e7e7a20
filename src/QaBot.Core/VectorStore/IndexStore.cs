using System.IO.Hashing;
using System.Numerics.Tensors;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using QaBot.Chunking;
using QaBot.Ingestion;
using QaBot.Retrieval;

namespace QaBot.VectorStore;

/// <summary>What must match for a stored index to be reused: the embedding model and the chunking settings.</summary>
public sealed record IndexSignature(string ModelId, int Dimensions, string Chunking);

/// <summary>
/// The persistent index: every article's passages, sentences, their embeddings and keyword terms in one binary file, described by a
/// manifest that names the model, the chunking settings and the data file's length and hash. The data file is written
/// under a new name and the manifest replaced last (write, flush, rename), so a reader sees the old index or the new
/// one, never half of one; a manifest that does not match its data is reported as corrupt and the index is rebuilt.
/// A data file is never changed once written, so a loaded index leaves its vectors and passage texts in the file, mapped
/// (<see cref="MappedIndexFile"/>), and holds only what it searches by in memory. Hand-written because no served package stores vector-data collections on disk.
/// </summary>
public sealed partial class IndexStore(ILogger<IndexStore> logger)
{
    private const string ManifestName = "manifest.json";
    private const int Format = 3;
    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = true };

    private sealed record Manifest(int Format, string ModelId, int Dimensions, string Chunking, string DataFile, long DataLength, string DataHash, int Documents, DateTimeOffset Written);

    /// <summary>
    /// The stored documents, or null when there is no index, it was built with another model or chunking (a rebuild is
    /// due), or it is corrupt; each case is logged with its reason and what <paramref name="instead"/> the caller does.
    /// </summary>
    public IReadOnlyList<IndexedDocument>? TryLoad(string folder, IndexSignature signature, UnusableIndex instead = UnusableIndex.Rebuild) =>
        TryLoad(folder, signature, instead, out _);

    /// <summary>
    /// <see cref="TryLoad(string, IndexSignature, UnusableIndex)"/>, saying whether a refusal is <paramref name="settled"/>:
    /// decided by the manifest alone (a newer format, another model or chunking), so this generation will never load
    /// here. A data file that fails to read or to match may be a passing fault (a network file system not yet showing
    /// all of it), so it is not.
    /// </summary>
    public IReadOnlyList<IndexedDocument>? TryLoad(string folder, IndexSignature signature, UnusableIndex instead, out bool settled)
    {
        settled = false;
        var then = instead switch
        {
            UnusableIndex.Rebuild => "embedding the articles again",
            UnusableIndex.ServeEmbedded => "serving the passages just embedded from memory instead",
            UnusableIndex.KeepServing => "not loading it: the index in use keeps serving",
            _ => "not loading it: not ready until `qabot ingest` writes an index this build can read",
        };
        var manifestPath = Path.Combine(folder, ManifestName);
        if (!File.Exists(manifestPath)) return null;
        try
        {
            var manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(manifestPath))
                ?? throw new InvalidDataException("empty manifest");
            if (manifest.Format > Format)
            {
                LogNewer(logger, folder, manifest.Format, Format, then);
                settled = true;
                return null;
            }
            if (manifest.Format < 1 || manifest.ModelId != signature.ModelId || manifest.Dimensions != signature.Dimensions || manifest.Chunking != signature.Chunking)
            {
                LogMismatch(logger, folder, $"{manifest.ModelId}/{manifest.Dimensions}/{manifest.Chunking} (format {manifest.Format})", $"{signature.ModelId}/{signature.Dimensions}/{signature.Chunking} (format {Format})", then);
                settled = true;
                return null;
            }
            // Streamed and hashed as it is parsed, so the file is never held whole; nothing read is returned unless the
            // hash matches at the end.
            var dataPath = Path.Combine(folder, Path.GetFileName(manifest.DataFile));
            using var file = new FileStream(dataPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            if (file.Length != manifest.DataLength) throw Mismatch();
            using var hashing = new HashingStream(file);
            var documents = Read(hashing, signature.Dimensions, manifest.Documents, manifest.Format, manifest.Format >= 3 ? new MappedIndexFile(dataPath) : null);
            if (Convert.ToHexStringLower(hashing.Hash()) != manifest.DataHash) throw Mismatch();
            return documents;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException or EndOfStreamException or UnauthorizedAccessException or ArgumentException)
        {
            LogCorrupt(logger, folder, ex.Message, then);
            return null;
        }
    }

    /// <summary>Whether the folder's index is in an older format that loads but should be written again.</summary>
    public static bool IsOutdated(string folder) => ReadManifest(folder)?.Format < Format;

    /// <summary>
    /// The generation the folder holds now (its data file's name, new with every save), or null when it has none; read
    /// it before and after <see cref="TryLoad(string, IndexSignature, UnusableIndex)"/> to know which generation was loaded.
    /// </summary>
    public static string? Generation(string folder) => ReadManifest(folder)?.DataFile;

    private static Manifest? ReadManifest(string folder)
    {
        try
        {
            return JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(Path.Combine(folder, ManifestName)));
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes the index to <paramref name="folder"/>, replacing the one there.</summary>
    /// <exception cref="IOException">
    /// The folder cannot be written, or holds an index in a newer format: a newer QaBot beside this one (a rolling
    /// upgrade, a shared folder) would otherwise rebuild it in turn, each replacing the other's.
    /// </exception>
    public static void Save(string folder, IndexSignature signature, IReadOnlyCollection<IndexedDocument> documents)
    {
        Directory.CreateDirectory(folder);
        var dataFile = $"index-{Guid.NewGuid():N}.bin";
        // One writer at a time per folder (tests and replicas may share one); readers never wait.
        using var writerLock = AcquireWriterLock(folder);
        if (ReadManifest(folder) is { } stored && stored.Format > Format)
            throw new IOException($"it holds an index in format {stored.Format}, written by a newer QaBot (this one writes format {Format}), which is left as it is");
        // Streamed to the file and hashed on the way, so saving never holds a second copy of the index in memory.
        long length;
        string hash;
        var path = Path.Combine(folder, dataFile);
        var temp = path + ".tmp-" + Environment.ProcessId;
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            using (var hashing = new HashingStream(file))
            {
                Write(hashing, documents);
                hash = Convert.ToHexStringLower(hashing.Hash());
            }
            length = file.Length;
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        var manifest = new Manifest(Format, signature.ModelId, signature.Dimensions, signature.Chunking, dataFile, length, hash, documents.Count, DateTimeOffset.UtcNow);
        WriteAtomically(Path.Combine(folder, ManifestName), JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJson));
        DeleteSuperseded(folder, dataFile, DateTime.UtcNow, SupersededKept);
    }

    /// <summary>
    /// How long a data file the manifest no longer names is kept: replicas map the file they loaded, and on a network
    /// file system a file deleted by another machine cannot be read even by a process that has it open, so it stays
    /// until every replica has had time to load the newer one (they check every 30 s at most).
    /// </summary>
    internal static readonly TimeSpan SupersededKept = TimeSpan.FromMinutes(10);

    /// <summary>Deletes the data files other than <paramref name="current"/> that a newer one replaced more than <paramref name="kept"/> ago.</summary>
    internal static void DeleteSuperseded(string folder, string current, DateTime nowUtc, TimeSpan kept)
    {
        // A file was replaced when the next one was written.
        var files = Directory.EnumerateFiles(folder, "index-*.bin").Select(f => new FileInfo(f)).OrderBy(f => f.LastWriteTimeUtc).ToList();
        for (var i = 0; i < files.Count - 1; i++)
        {
            if (files[i].Name == current || nowUtc - files[i + 1].LastWriteTimeUtc < kept) continue;
            try { files[i].Delete(); }
            catch (IOException) { }
        }
    }

    private static FileStream AcquireWriterLock(string folder)
    {
        var path = Path.Combine(folder, ".writer.lock");
        for (var attempt = 0; ; attempt++)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose); }
            catch (IOException) when (attempt < 600) { Thread.Sleep(100); }
        }
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = path + ".tmp-" + Environment.ProcessId;
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static InvalidDataException Mismatch() => new("the data file does not match its manifest (half-written or altered)");

    private static void Write(Stream stream, IReadOnlyCollection<IndexedDocument> documents)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        // Keyword terms and words are written once, in a table at the start, and referred to by number. The table most
        // articles already number by (a loaded index's) is kept as it is, so their encodings are written unchanged; it
        // keeps the terms of articles since removed until the next full rebuild.
        var numbers = new TermNumbers(documents.GroupBy(d => d.Keywords.Table, ReferenceEqualityComparer.Instance).MaxBy(g => g.Count())?.Key as string[] ?? []);
        var keywords = documents.Select(d => d.Keywords.Encode(numbers)).ToList();
        w.Write7BitEncodedInt(numbers.Terms.Count);
        foreach (var term in numbers.Terms) w.Write(term);
        foreach (var (d, encoded) in documents.Zip(keywords))
        {
            w.Write(d.Info.Id);
            w.Write(d.Info.Title);
            w.Write(d.Info.SourcePath);
            w.Write(d.Info.Url ?? "");
            w.Write(d.Info.Published?.DayNumber ?? -1);
            w.Write(d.ContentHash);
            w.Write(d.Chunks.Count);
            for (var i = 0; i < d.Chunks.Count; i++)
            {
                w.Write(d.Chunks[i].Text);
                WriteVector(w, d.ChunkVectors[i]);
            }
            w.Write(d.SentenceHashes.Count);
            for (var i = 0; i < d.SentenceHashes.Count; i++)
            {
                w.Write(d.SentenceHashes[i]);
                WriteVector(w, d.SentenceVectors[i]);
            }
            w.Write7BitEncodedInt(encoded.Length);
            w.Write(encoded.Span);
        }
    }

    /// <summary>
    /// Padded to a multiple of 4 bytes from the file's start, so a loaded index can map its vectors in place, and of unit
    /// length, so the vector store can take them as they are without reading every page of the mapping to check.
    /// </summary>
    private static void WriteVector(BinaryWriter w, ReadOnlyMemory<float> vector)
    {
        for (var pad = Padding(w.BaseStream.Position); pad > 0; pad--) w.Write((byte)0);
        var norm = TensorPrimitives.Norm(vector.Span);
        if (norm > 0 && MathF.Abs(norm - 1) > 1e-4f)
        {
            var unit = new float[vector.Length];
            TensorPrimitives.Divide(vector.Span, norm, unit);
            vector = unit;
        }
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.Span));
    }

    private static int Padding(long position) => (int)((sizeof(float) - position % sizeof(float)) % sizeof(float));

    /// <param name="format">1: without keyword terms (analysed here, so an older index is upgraded without re-embedding);
    /// 2: sentence texts, each passage's terms beside it, vectors not aligned (so they are copied); 3: sentence hashes, an
    /// article's terms encoded in one block, vectors aligned and read from <paramref name="mapped"/>.</param>
    private static List<IndexedDocument> Read(Stream data, int dimensions, int count, int format, MappedIndexFile? mapped)
    {
        using var r = new BinaryReader(data, System.Text.Encoding.UTF8, leaveOpen: true);
        IVectorSource vectors = mapped is null ? new VectorSlab(dimensions) : new MappedSource(mapped, dimensions);
        var scratch = Array.Empty<byte>();
        var table = new string[format == 1 ? 0 : r.Read7BitEncodedInt()];
        for (var i = 0; i < table.Length; i++) table[i] = r.ReadString();
        var documents = new List<IndexedDocument>(count);
        for (var n = 0; n < count; n++)
        {
            var id = r.ReadString();
            var title = r.ReadString();
            var source = r.ReadString();
            var url = r.ReadString();
            var day = r.ReadInt32();
            var published = day < 0 ? (DateOnly?)null : DateOnly.FromDayNumber(day);
            var hash = r.ReadString();
            var chunkCount = r.ReadInt32();
            var chunks = new List<Chunk>(chunkCount);
            var chunkVectors = new List<ReadOnlyMemory<float>>(chunkCount);
            var passageTerms = new KeyValuePair<string, int>[format == 2 ? chunkCount : 0][];
            for (var i = 0; i < chunkCount; i++)
            {
                chunks.Add(mapped is null
                    ? new Chunk($"{id}#{i}", id, title, source, url.Length == 0 ? null : url, published, i, r.ReadString())
                    : new Chunk($"{id}#{i}", id, title, source, url.Length == 0 ? null : url, published, i, SkipText()));
                chunkVectors.Add(vectors.Read(r));
                if (format == 2) passageTerms[i] = ReadCounts();
            }
            var sentenceCount = r.ReadInt32();
            var sentences = new ulong[sentenceCount];
            var sentenceVectors = new List<ReadOnlyMemory<float>>(sentenceCount);
            for (var i = 0; i < sentenceCount; i++)
            {
                sentences[i] = format < 3 ? SentenceRecord.Hash(r.ReadString()) : r.ReadUInt64();
                sentenceVectors.Add(vectors.Read(r));
            }
            var keywords = format switch
            {
                1 => KeywordEntry.Analyse(chunks),
                2 => new KeywordEntry(passageTerms, ReadCounts()),
                _ => new KeywordEntry(table, r.ReadBytes(r.Read7BitEncodedInt()), chunkCount),
            };
            documents.Add(new IndexedDocument(new DocumentInfo(id, title, source, url.Length == 0 ? null : url, published, chunkCount), hash, chunks, chunkVectors, sentences, sentenceVectors, keywords));
        }
        if (r.BaseStream.ReadByte() != -1) throw new InvalidDataException("trailing bytes after the last document");
        return documents;

        // A passage's text left in the mapped file: its bytes are only read past, to be hashed.
        StoredText SkipText()
        {
            var offset = r.BaseStream.Position;
            var length = r.Read7BitEncodedInt();
            if (scratch.Length < length) scratch = new byte[length];
            r.BaseStream.ReadExactly(scratch, 0, length);
            return new StoredText(mapped!, offset);
        }

        KeyValuePair<string, int>[] ReadCounts()
        {
            var counts = new KeyValuePair<string, int>[r.Read7BitEncodedInt()];
            for (var i = 0; i < counts.Length; i++) counts[i] = KeyValuePair.Create(table[r.Read7BitEncodedInt()], r.Read7BitEncodedInt());
            return counts;
        }
    }

    private interface IVectorSource
    {
        ReadOnlyMemory<float> Read(BinaryReader r);
    }

    /// <summary>
    /// Vectors read into large shared arrays rather than one small array each: tens of thousands of small arrays that
    /// all survive are copied by every garbage collection during the load; large ones are never moved.
    /// </summary>
    private sealed class VectorSlab(int dimensions) : IVectorSource
    {
        private const int VectorsPerSlab = 1024;
        private float[] _slab = [];
        private int _used;

        public ReadOnlyMemory<float> Read(BinaryReader r)
        {
            if (_used + dimensions > _slab.Length)
            {
                _slab = new float[VectorsPerSlab * dimensions];
                _used = 0;
            }
            var vector = _slab.AsMemory(_used, dimensions);
            r.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.Span));
            _used += dimensions;
            return vector;
        }
    }

    /// <summary>Vectors left in the mapped file: their bytes are only read past, to be hashed.</summary>
    private sealed class MappedSource(MappedIndexFile mapped, int dimensions) : IVectorSource
    {
        private readonly byte[] _scratch = new byte[dimensions * sizeof(float)];

        public ReadOnlyMemory<float> Read(BinaryReader r)
        {
            var pad = Padding(r.BaseStream.Position);
            r.BaseStream.ReadExactly(_scratch, 0, pad);
            var offset = r.BaseStream.Position;
            r.BaseStream.ReadExactly(_scratch);
            return mapped.Slice(offset, dimensions);
        }
    }

    /// <summary>
    /// A forward-only pass over a stream, reading or writing, that hashes every byte on the way; hand-written because
    /// System.IO.Hashing has no stream adapter.
    /// </summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly XxHash128 _hash = new();

        public byte[] Hash() => _hash.GetCurrentHash();

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _hash.Append(buffer[..n]);
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int ReadByte()
        {
            Span<byte> one = stackalloc byte[1];
            return Read(one) == 1 ? one[0] : -1;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.Append(buffer);
            inner.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void WriteByte(byte value) => Write([value]);

        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => inner.Length;
        /// <summary>How far into the file the pass is: bytes go through unbuffered, so the file's position is the pass's.</summary>
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The index in {Folder} was built with {Stored}, not {Current}; {Then}")]
    private static partial void LogMismatch(ILogger logger, string folder, string stored, string current, string then);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The index in {Folder} was written by a newer QaBot (format {Stored}; this one reads up to format {Current}); {Then}")]
    private static partial void LogNewer(ILogger logger, string folder, int stored, int current, string then);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The index in {Folder} is corrupt ({Reason}); {Then}")]
    private static partial void LogCorrupt(ILogger logger, string folder, string reason, string then);
}

/// <summary>What the caller of <see cref="IndexStore.TryLoad(string, IndexSignature, UnusableIndex)"/> does when the stored index cannot be used, for its log line.</summary>
public enum UnusableIndex
{
    /// <summary>Embeds the articles itself (a server or <c>qabot ingest</c>).</summary>
    Rebuild,

    /// <summary>Reads back the index it has just written; it serves what it holds in memory instead.</summary>
    ServeEmbedded,

    /// <summary>A replica, which never writes: it goes on serving the generation it loaded before.</summary>
    KeepServing,

    /// <summary>A replica with nothing loaded yet: not ready until a usable index is written.</summary>
    Wait,
}
