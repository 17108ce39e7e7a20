using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace QaBot.Ingestion;

internal enum FileKind { Missing, Regular, Directory, SymbolicLink, Other }

/// <summary>
/// What the base library does not tell on Linux (the only target, see Directory.Build.props): a FIFO, socket or device
/// looks like any file to <see cref="FileInfo"/>, and opening a FIFO blocks until a writer comes, which is never; and
/// only realpath(3) resolves every link along a path, not just the last one.
/// </summary>
internal static class UnixFiles
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28; // struct statx is the same on every Linux architecture

    /// <summary>The kind of <paramref name="path"/> itself (a link is not followed).</summary>
    public static FileKind KindOf(string path)
    {
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) != 0) return FileKind.Missing;
        return (BitConverter.ToUInt16(buffer, StatxModeOffset) & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            _ => FileKind.Other,
        };
    }

    /// <summary>The canonical absolute path with every link resolved, or null when it is missing or a link loop.</summary>
    public static string? RealPath(string path)
    {
        var resolved = RealPathNative(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return null;
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    /// <summary>Whether <paramref name="path"/> (canonical) is <paramref name="folder"/> (canonical) or lies under it.</summary>
    public static bool IsWithin(string path, string folder) =>
        path == folder || path.StartsWith(folder.EndsWith('/') ? folder : folder + "/", StringComparison.Ordinal);

    [SuppressMessage("Globalization", "CA2101", Justification = "The path is marshalled as UTF-8 (LPUTF8Str); the rule only knows CharSet.")]
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [SuppressMessage("Globalization", "CA2101", Justification = "The path is marshalled as UTF-8 (LPUTF8Str); the rule only knows CharSet.")]
    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern IntPtr RealPathNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr pointer);
}
