namespace QaBot.VectorStore;

/// <summary>
/// Reads the numbers <see cref="BinaryWriter.Write7BitEncodedInt"/> writes, from bytes in memory rather than a stream
/// (the base library reads them only through a <see cref="BinaryReader"/>).
/// </summary>
internal static class SevenBitEncoding
{
    public static int Read(ReadOnlySpan<byte> bytes, ref int offset)
    {
        var value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[offset++];
            value |= (b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }
}
