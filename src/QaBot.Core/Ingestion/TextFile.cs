using System.Buffers;
using System.Text;

namespace QaBot.Ingestion;

internal static class TextFile
{
    /// <summary>Invalid bytes become U+FFFD, so a UTF-8 file with a stray byte keeps the rest of its text.</summary>
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Above this share of control characters a file is binary (an executable, an archive) renamed as text.</summary>
    private const double MaxControlShare = 0.1;

    /// <summary>Bytes read at a time: the file itself is never held as bytes, only as the text it decodes to.</summary>
    private const int ChunkBytes = 64 * 1024;

    /// <summary>
    /// Reads UTF-8 text, falling back to Windows-1252/Latin-1 for the odd legacy file (one BBC article stores "£"
    /// as a single byte), so no file is dropped or garbled. A file is Latin-1 only when its bytes that are not UTF-8
    /// outnumber its UTF-8 characters beyond ASCII: a UTF-8 article with one stray byte stays UTF-8, that byte alone
    /// becoming U+FFFD, rather than every curly quote of it turning into mojibake. Binary content is refused with a
    /// <see cref="FileSkippedException"/>: it would become passages of noise, and its control bytes titles and answers.
    /// The file is streamed twice in small chunks, first to check it and count its characters, then to decode it
    /// straight into a string of that length: memory is the text alone (two bytes a character), not the file's bytes
    /// plus copies of the text.
    /// </summary>
    public static string Read(string path, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        var (start, length, chars) = Scan(stream, cancellationToken);
        var encoding = chars >= 0 ? Utf8 : Encoding.Latin1;
        stream.Position = start;
        return string.Create(chars >= 0 ? chars : (int)length, (stream, encoding, cancellationToken), static (text, state) =>
        {
            var decoder = state.encoding.GetDecoder();
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            try
            {
                var written = 0;
                int read;
                while ((read = state.stream.Read(buffer, 0, ChunkBytes)) > 0)
                {
                    state.cancellationToken.ThrowIfCancellationRequested();
                    written += decoder.GetChars(buffer.AsSpan(0, read), text[written..], flush: false);
                }
                written += decoder.GetChars([], text[written..], flush: true);
                // The file grew or shrank between the two passes: its text is not what was checked.
                if (written != text.Length) throw new IOException("the file changed while it was read");
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
    }

    /// <summary>
    /// One pass over the file: where its content starts (after a UTF-8 byte order mark), how many bytes it has, and
    /// how many characters it decodes to as UTF-8 (-1 when it is Latin-1, see <see cref="Read"/>). Throws <see cref="FileSkippedException"/>
    /// for binary content: a NUL byte, or too large a share of control characters other than tab, line feed, form feed
    /// and carriage return (read as Latin-1, the bytes 0x80–0x9F are control characters too).
    /// </summary>
    private static (int Start, long Length, int Chars) Scan(FileStream stream, CancellationToken cancellationToken)
    {
        var decoder = Utf8.GetDecoder();
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        var decoded = ArrayPool<char>.Shared.Rent(Utf8.GetMaxCharCount(ChunkBytes));
        var (start, length, controls, c1, chars, invalid, beyondAscii) = (0, 0L, 0L, 0L, 0L, 0L, 0L);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, ChunkBytes)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var chunk = buffer.AsSpan(0, read);
                if (length == 0 && chunk.StartsWith(Encoding.UTF8.Preamble)) chunk = chunk[(start = Encoding.UTF8.Preamble.Length)..];
                length += chunk.Length;
                if (chunk.Contains((byte)0)) throw new FileSkippedException("it holds NUL bytes: binary content, not text");
                foreach (var b in chunk)
                {
                    if ((b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\f' and not (byte)'\r') || b == 0x7F) controls++;
                    else if (b is >= 0x80 and <= 0x9F) c1++;
                }
                Count(decoder.GetChars(chunk, decoded, flush: false));
            }
            Count(decoder.GetChars([], decoded, flush: true));
            var utf8 = invalid <= beyondAscii;
            var share = length == 0 ? 0 : (double)(utf8 ? controls : controls + c1) / length;
            if (share > MaxControlShare)
                throw new FileSkippedException($"{(utf8 ? "" : "it is not UTF-8 and ")}{share * 100:0}% of it is control characters: binary content, not text");
            if (utf8 ? chars > int.MaxValue : length > int.MaxValue) throw new FileSkippedException("it is too large to hold as one text");
            return (start, length, utf8 ? (int)chars : -1);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<char>.Shared.Return(decoded);
        }

        void Count(int written)
        {
            chars += written;
            foreach (var c in decoded.AsSpan(0, written))
            {
                if (c == '\uFFFD') invalid++;
                else if (c > '\u007F') beyondAscii++;
            }
        }
    }
}
