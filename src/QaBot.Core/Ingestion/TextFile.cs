using System.Text;
using System.Text.Unicode;

namespace QaBot.Ingestion;

internal static class TextFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Above this share of control characters a file is binary (an executable, an archive) renamed as text.</summary>
    private const double MaxControlShare = 0.1;

    /// <summary>
    /// Reads UTF-8 text, falling back to Windows-1252/Latin-1 for the odd legacy file (one BBC article stores "£"
    /// as a single byte), so no file is dropped or garbled. Binary content is refused with a
    /// <see cref="FileSkippedException"/>: it would become passages of noise, and its control bytes titles and answers.
    /// </summary>
    public static async Task<string> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        var offset = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? 3 : 0;
        var content = bytes.AsSpan(offset);
        if (content.Contains((byte)0)) throw new FileSkippedException("it holds NUL bytes: binary content, not text");

        var utf8 = Utf8.IsValid(content);
        var share = ControlShare(content, latin1: !utf8);
        if (share > MaxControlShare)
            throw new FileSkippedException($"{(utf8 ? "" : "it is not UTF-8 and ")}{share * 100:0}% of it is control characters: binary content, not text");
        return utf8 ? StrictUtf8.GetString(content) : Encoding.Latin1.GetString(content);
    }

    /// <summary>
    /// Share of bytes that are control characters other than tab, line feed, form feed and carriage return; read as
    /// Latin-1, the bytes 0x80–0x9F are control characters too.
    /// </summary>
    private static double ControlShare(ReadOnlySpan<byte> content, bool latin1)
    {
        if (content.IsEmpty) return 0;
        var controls = 0;
        foreach (var b in content)
        {
            if ((b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\f' and not (byte)'\r') || b == 0x7F || (latin1 && b is >= 0x80 and <= 0x9F))
                controls++;
        }
        return (double)controls / content.Length;
    }
}
