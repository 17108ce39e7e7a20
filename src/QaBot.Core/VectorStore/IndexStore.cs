using System.IO.Hashing;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using QaBot.Chunking;
using QaBot.Ingestion;

namespace QaBot.VectorStore;

/// <summary>What must match for a stored index to be reused: the embedding model and the chunking settings.</summary>
public sealed record IndexSignature(string ModelId, int Dimensions, string Chunking);

/// <summary>
/// The persistent index: every article's passages, sentences and their embeddings in one binary file, described by a
/// manifest that names the model, the chunking settings and the data file's length and hash. The data file is written
/// under a new name and the manifest replaced last (write, flush, rename), so a reader sees the old index or the new
/// one, never half of one; a manifest that does not match its data is reported as corrupt and the index is rebuilt.
/// Hand-written because no served package stores vector-data collections on disk.
/// </summary>
public sealed partial class IndexStore(ILogger<IndexStore> logger)
{
    private const string ManifestName = "manifest.json";
    private const int Format = 1;
    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = true };

    private sealed record Manifest(int Format, string ModelId, int Dimensions, string Chunking, string DataFile, long DataLength, string DataHash, int Documents, DateTimeOffset Written);

    /// <summary>
    /// The stored documents, or null when there is no index, it was built with another model or chunking (a rebuild is
    /// due), or it is corrupt; each case is logged with its reason.
    /// </summary>
    public IReadOnlyList<IndexedDocument>? TryLoad(string folder, IndexSignature signature)
    {
        var manifestPath = Path.Combine(folder, ManifestName);
        if (!File.Exists(manifestPath)) return null;
        try
        {
            var manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(manifestPath))
                ?? throw new InvalidDataException("empty manifest");
            if (manifest.Format != Format || manifest.ModelId != signature.ModelId || manifest.Dimensions != signature.Dimensions || manifest.Chunking != signature.Chunking)
            {
                LogMismatch(logger, folder, $"{manifest.ModelId}/{manifest.Dimensions}/{manifest.Chunking}", $"{signature.ModelId}/{signature.Dimensions}/{signature.Chunking}");
                return null;
            }
            var data = File.ReadAllBytes(Path.Combine(folder, Path.GetFileName(manifest.DataFile)));
            if (data.Length != manifest.DataLength || Hash(data) != manifest.DataHash) throw new InvalidDataException("the data file does not match its manifest (half-written or altered)");
            return Read(data, signature.Dimensions, manifest.Documents);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException or EndOfStreamException or UnauthorizedAccessException or ArgumentException)
        {
            LogCorrupt(logger, folder, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// The generation the folder holds now (its data file's name, new with every save), or null when it has none; read
    /// it before and after <see cref="TryLoad"/> to know which generation was loaded.
    /// </summary>
    public static string? Generation(string folder)
    {
        try
        {
            return JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(Path.Combine(folder, ManifestName)))?.DataFile;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void Save(string folder, IndexSignature signature, IReadOnlyCollection<IndexedDocument> documents)
    {
        Directory.CreateDirectory(folder);
        byte[] data;
        using (var buffer = new MemoryStream())
        {
            Write(buffer, documents);
            data = buffer.ToArray();
        }
        var dataFile = $"index-{Guid.NewGuid():N}.bin";
        // One writer at a time per folder (tests and replicas may share one); readers never wait.
        using var writerLock = AcquireWriterLock(folder);
        WriteAtomically(Path.Combine(folder, dataFile), data);
        var manifest = new Manifest(Format, signature.ModelId, signature.Dimensions, signature.Chunking, dataFile, data.Length, Hash(data), documents.Count, DateTimeOffset.UtcNow);
        WriteAtomically(Path.Combine(folder, ManifestName), JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJson));
        // Older data files are no longer named by the manifest; a reader that opened one keeps its handle.
        foreach (var old in Directory.EnumerateFiles(folder, "index-*.bin").Where(f => Path.GetFileName(f) != dataFile))
        {
            try { File.Delete(old); }
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

    private static string Hash(byte[] data) => Convert.ToHexStringLower(XxHash128.Hash(data));

    private static void Write(Stream stream, IReadOnlyCollection<IndexedDocument> documents)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        foreach (var d in documents)
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
            w.Write(d.Sentences.Count);
            for (var i = 0; i < d.Sentences.Count; i++)
            {
                w.Write(d.Sentences[i]);
                WriteVector(w, d.SentenceVectors[i]);
            }
        }
    }

    private static void WriteVector(BinaryWriter w, ReadOnlyMemory<float> vector) =>
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.Span));

    private static List<IndexedDocument> Read(byte[] data, int dimensions, int count)
    {
        using var r = new BinaryReader(new MemoryStream(data, writable: false));
        var vectors = new VectorSlab(dimensions);
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
            for (var i = 0; i < chunkCount; i++)
            {
                chunks.Add(new Chunk($"{id}#{i}", id, title, source, url.Length == 0 ? null : url, published, i, r.ReadString()));
                chunkVectors.Add(vectors.Read(r));
            }
            var sentenceCount = r.ReadInt32();
            var sentences = new List<string>(sentenceCount);
            var sentenceVectors = new List<ReadOnlyMemory<float>>(sentenceCount);
            for (var i = 0; i < sentenceCount; i++)
            {
                sentences.Add(r.ReadString());
                sentenceVectors.Add(vectors.Read(r));
            }
            documents.Add(new IndexedDocument(new DocumentInfo(id, title, source, url.Length == 0 ? null : url, published, chunkCount), hash, chunks, chunkVectors, sentences, sentenceVectors));
        }
        if (r.BaseStream.Position != data.Length) throw new InvalidDataException("trailing bytes after the last document");
        return documents;
    }

    /// <summary>
    /// Vectors read into large shared arrays rather than one small array each: tens of thousands of small arrays that
    /// all survive are copied by every garbage collection during the load; large ones are never moved.
    /// </summary>
    private sealed class VectorSlab(int dimensions)
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

    [LoggerMessage(Level = LogLevel.Information, Message = "The index in {Folder} was built with {Stored}, not {Current}; rebuilding it")]
    private static partial void LogMismatch(ILogger logger, string folder, string stored, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The index in {Folder} is corrupt ({Reason}); rebuilding it")]
    private static partial void LogCorrupt(ILogger logger, string folder, string reason);
}
