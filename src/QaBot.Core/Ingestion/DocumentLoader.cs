using System.IO.Enumeration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.Configuration;

namespace QaBot.Ingestion;

/// <summary>Finds the supported files under the given folders (recursively) and reads them in parallel.</summary>
public sealed partial class DocumentLoader(
    IEnumerable<IDocumentReader> readers,
    DocumentCatalog catalog,
    IOptions<IngestionOptions> options,
    ILogger<DocumentLoader> logger)
{
    private readonly Dictionary<string, IDocumentReader> _readers = readers
        .SelectMany(r => r.Extensions.Select(e => (Extension: e, Reader: r)))
        .ToDictionary(x => x.Extension, x => x.Reader, StringComparer.OrdinalIgnoreCase);

    /// <summary>The files that would be read, in a stable order, with their ids (path relative to the root folder).</summary>
    public IReadOnlyList<(string Path, string Id)> FindFiles(IEnumerable<string> roots)
    {
        var (files, skipped) = Scan(roots);
        foreach (var (path, reason) in skipped) Skip(path, SkipReason.Excluded, reason);
        return files;
    }

    public Task<IReadOnlyList<SourceDocument>> LoadAsync(IEnumerable<string> roots, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        LoadAsync(FindFiles(roots), progress, cancellationToken);

    public async Task<IReadOnlyList<SourceDocument>> LoadAsync(IReadOnlyList<(string Path, string Id)> files, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var maxBytes = options.Value.MaxFileMegabytes * 1024L * 1024;
        var budget = TimeSpan.FromSeconds(options.Value.MaxReadSeconds);
        var documents = new SourceDocument?[files.Count];
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount * 2 }, async (i, ct) =>
        {
            var (path, id) = files[i];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(budget);
            try
            {
                // Checked before reading: memory is a multiple of the input, so one huge file could exhaust the machine.
                var size = new FileInfo(path).Length;
                if (size > maxBytes)
                    throw new FileSkippedException($"{size / (1024.0 * 1024):0.#} MB is over the limit of {IngestionOptions.Section}:MaxFileMegabytes ({options.Value.MaxFileMegabytes})");
                var raw = await _readers[Path.GetExtension(path)].ReadAsync(path, timeout.Token);
                // Shown as the id ("seeds/001.txt"): relative to the corpus folder, the same wherever the process runs from.
                var document = ArticleCleaner.Clean(raw, id, id);
                if (document.Paragraphs.Count > 0) documents[i] = document;
                else Skip(path, SkipReason.NoText, "no text after cleaning");
            }
            catch (FileSkippedException ex)
            {
                Skip(path, SkipReason.Unsuitable, ex.Message);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                Skip(path, SkipReason.Unsuitable, $"reading it took longer than {IngestionOptions.Section}:MaxReadSeconds ({options.Value.MaxReadSeconds} s)");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One unreadable file must not stop the rest of the corpus from loading.
                Skip(path, SkipReason.Unreadable, "could not be read: " + ex.Message.ReplaceLineEndings(" "));
                LogSkipDetail(logger, ex, path);
            }
            progress?.Report(Interlocked.Increment(ref done));
        });
        return documents.OfType<SourceDocument>().ToList();
    }

    /// <summary>
    /// Walks each folder for regular files only: a FIFO would block the reader forever and a device never ends. Links are
    /// followed only to targets inside the same folder (never to /etc), after the plain tree, so a file keeps its own
    /// path as id; every folder and file is taken once by its real path, so link cycles (<c>self -> .</c>,
    /// <c>sub/up -> ..</c>) end.
    /// </summary>
    private (List<(string Path, string Id)> Files, List<(string Path, string Reason)> Skipped) Scan(IEnumerable<string> roots)
    {
        var files = new List<(string Path, string Id)>();
        var skipped = new List<(string Path, string Reason)>();
        // Real paths taken, across roots too: a file under two of them (a folder and one of its files) is read once.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            if (File.Exists(root))
            {
                if (!IsIncluded(root)) continue;
                if (UnixFiles.RealPath(root) is not { } real || UnixFiles.KindOf(real) != FileKind.Regular) skipped.Add((root, NotRegular));
                else if (seen.Add(real)) files.Add((root, Path.GetFileName(root)));
                continue;
            }
            if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Document folder not found: {Path.GetFullPath(root)}");
            var found = new List<(string Path, string Id)>();
            Walk(root, found, skipped, seen);
            files.AddRange(found.OrderBy(f => f.Path, StringComparer.Ordinal));
        }
        return (files, skipped);
    }

    private const string NotRegular = "not a regular file (a FIFO, socket or device)";

    private void Walk(string root, List<(string Path, string Id)> files, List<(string Path, string Reason)> skipped, HashSet<string> seen)
    {
        var rootName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)));
        var realRoot = UnixFiles.RealPath(root) ?? throw new DirectoryNotFoundException($"Document folder not found: {Path.GetFullPath(root)}");
        seen.Add(realRoot);
        var folders = new Stack<(string Path, string Real)>([(root, realRoot)]);
        var links = new Queue<string>();
        var enumeration = new EnumerationOptions { IgnoreInaccessible = true };

        while (folders.Count > 0 || links.Count > 0)
        {
            if (folders.Count == 0)
            {
                Follow(links.Dequeue());
                continue;
            }
            var (folder, realFolder) = folders.Pop();
            foreach (var path in Directory.EnumerateFileSystemEntries(folder, "*", enumeration))
            {
                var real = Path.Combine(realFolder, Path.GetFileName(path));
                switch (UnixFiles.KindOf(path))
                {
                    case FileKind.SymbolicLink: links.Enqueue(path); break;
                    case FileKind.Directory: if (seen.Add(real)) folders.Push((path, real)); break;
                    default: Add(path, real); break;
                }
            }
        }

        void Follow(string link)
        {
            if (UnixFiles.RealPath(link) is not { } real)
            {
                if (IsIncluded(link)) skipped.Add((link, "a broken symbolic link or a link loop"));
            }
            else if (!UnixFiles.IsWithin(real, realRoot))
            {
                // Said only of what would have been read: a folder, or a file of a supported kind.
                if (IsIncluded(link) || UnixFiles.KindOf(real) == FileKind.Directory) skipped.Add((link, $"a symbolic link out of the folder {realRoot}"));
            }
            else if (UnixFiles.KindOf(real) == FileKind.Directory)
            {
                if (seen.Add(real)) folders.Push((link, real));
            }
            else
            {
                Add(link, real);
            }
        }

        void Add(string path, string real)
        {
            if (!IsIncluded(path)) return;
            if (UnixFiles.KindOf(real) != FileKind.Regular) skipped.Add((path, NotRegular));
            else if (seen.Add(real)) files.Add((path, rootName + "/" + Path.GetRelativePath(root, path).Replace('\\', '/')));
        }
    }

    private bool IsIncluded(string path)
    {
        if (!_readers.ContainsKey(Path.GetExtension(path))) return false;
        var name = Path.GetFileName(path);
        return !options.Value.ExcludeFilePatterns.Any(p => FileSystemName.MatchesSimpleExpression(p, name, ignoreCase: true));
    }

    /// <summary>One line per skipped file, with the reason; the reader's stack trace only at Debug level (-v).</summary>
    private void Skip(string path, SkipReason reason, string detail)
    {
        catalog.Skip(new SkippedFile(path, reason, detail));
        LogSkipped(logger, path, detail);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped {Path}: {Detail}")]
    private static partial void LogSkipped(ILogger logger, string path, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Why {Path} could not be read")]
    private static partial void LogSkipDetail(ILogger logger, Exception ex, string path);
}
