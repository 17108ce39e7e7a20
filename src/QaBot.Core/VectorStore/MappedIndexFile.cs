using System.Buffers;
using System.IO.MemoryMappedFiles;
using QaBot.Chunking;

namespace QaBot.VectorStore;

/// <summary>
/// A stored index file mapped read-only, so its vectors and passage texts are read in place rather than copied onto the
/// managed heap: they are most of an index's bytes, and a question reads only a few of them (the file never changes once
/// written; a newer index is a new file). Each vector is a <see cref="ReadOnlyMemory{T}"/> slice of this manager and
/// each passage text a <see cref="StoredText"/>, so whatever holds one keeps the mapping alive; it is unmapped by the
/// view's finalizer once nothing refers to it. Hand-written because the base library maps files but offers no
/// <see cref="Memory{T}"/> over a mapping.
/// </summary>
internal sealed unsafe class MappedIndexFile : MemoryManager<float>, IStoredTexts
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly float* _start;
    private readonly int _length;

    public MappedIndexFile(string path)
    {
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        // No AcquirePointer: its reference count would keep the view from ever being released. This manager holds the
        // view, and every vector holds this manager, so the address stays valid as long as it can be read.
        _start = (float*)((byte*)_view.SafeMemoryMappedViewHandle.DangerousGetHandle() + _view.PointerOffset);
        _length = (int)Math.Min(_view.Capacity / sizeof(float), int.MaxValue);
    }

    /// <summary>The vector of <paramref name="dimensions"/> floats at <paramref name="byteOffset"/>, a multiple of 4.</summary>
    public ReadOnlyMemory<float> Slice(long byteOffset, int dimensions)
    {
        if (byteOffset % sizeof(float) != 0 || byteOffset / sizeof(float) + dimensions > _length) throw new InvalidDataException($"a vector at byte {byteOffset} lies outside the mapped index");
        return Memory.Slice((int)(byteOffset / sizeof(float)), dimensions);
    }

    /// <summary>The string <see cref="BinaryWriter.Write(string)"/> wrote at <paramref name="byteOffset"/>.</summary>
    public string ReadString(long byteOffset)
    {
        var bytes = new ReadOnlySpan<byte>((byte*)_start + byteOffset, (int)Math.Min(_view.Capacity - byteOffset, int.MaxValue));
        var read = 0;
        var length = SevenBitEncoding.Read(bytes, ref read);
        return System.Text.Encoding.UTF8.GetString(bytes.Slice(read, length));
    }

    public override Span<float> GetSpan() => new(_start, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_start + elementIndex, pinnable: this);

    public override void Unpin() { }

    // Never unmapped early: a vector still referenced must stay readable, so release is left to the view's finalizer.
    protected override void Dispose(bool disposing) { }
}
