using System.Runtime.InteropServices;
using QaBot.Chunking;
using QaBot.Text;
using QaBot.VectorStore;

namespace QaBot.Retrieval;

/// <summary>
/// What the keyword index takes from one article: each passage's term frequencies (BM25) and the article's word counts
/// (the query corrector's vocabulary). Analysed once, when the article is embedded, and stored in the persistent index,
/// so loading the index does not tokenize and stem the whole corpus again. Held encoded (7-bit numbers into a table of
/// terms, which a loaded index shares among all its articles) rather than as arrays of pairs: the arrays took four times
/// the memory, and they are only read when the keyword index is built or the index is saved.
/// </summary>
public sealed class KeywordEntry
{
    private readonly byte[] _encoded;

    /// <param name="table">The terms and words the encoding numbers.</param>
    /// <param name="encoded">For each passage, then for the words: a count, then that many (number, frequency) pairs.</param>
    /// <param name="passages">How many passages the encoding holds.</param>
    internal KeywordEntry(string[] table, byte[] encoded, int passages)
    {
        Table = table;
        _encoded = encoded;
        Passages = passages;
    }

    /// <param name="passageTerms">Per passage, in passage order: each term once, with how often the passage holds it.</param>
    /// <param name="words">Every word of the passages (lower-cased, unstemmed) with its count.</param>
    public KeywordEntry(IReadOnlyList<KeyValuePair<string, int>[]> passageTerms, IReadOnlyCollection<KeyValuePair<string, int>> words)
    {
        var numbers = new TermNumbers([]);
        _encoded = Encode(passageTerms.Append<IEnumerable<KeyValuePair<string, int>>>(words), numbers).ToArray();
        Table = [.. numbers.Terms];
        Passages = passageTerms.Count;
    }

    public int Passages { get; }

    /// <summary>
    /// Per passage, in passage order: each term once, with how often the passage holds it. Decoded as they are read, so
    /// building the keyword index from a whole corpus allocates no arrays of pairs.
    /// </summary>
    public IEnumerable<IEnumerable<KeyValuePair<string, int>>> PassageTerms()
    {
        var offset = 0;
        for (var i = 0; i < Passages; i++)
        {
            yield return Decode(offset);
            Skip(ref offset);
        }
    }

    /// <summary>Every word of the passages (lower-cased, unstemmed) with its count.</summary>
    public IEnumerable<KeyValuePair<string, int>> Words()
    {
        var offset = 0;
        for (var i = 0; i < Passages; i++) Skip(ref offset);
        return Decode(offset);
    }

    /// <summary>The terms this entry's encoding numbers.</summary>
    internal string[] Table { get; }

    /// <summary>
    /// The encoding against <paramref name="numbers"/>: this entry's own bytes when it already numbers by that table (as an
    /// index loaded and saved again does), else re-numbered, adding the terms the table lacks.
    /// </summary>
    internal ReadOnlyMemory<byte> Encode(TermNumbers numbers) =>
        numbers.Extends(Table) ? _encoded : Encode(PassageTerms().Append(Words()), numbers);

    private static ReadOnlyMemory<byte> Encode(IEnumerable<IEnumerable<KeyValuePair<string, int>>> lists, TermNumbers numbers)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            foreach (var decoded in lists)
            {
                var counts = decoded as IReadOnlyCollection<KeyValuePair<string, int>> ?? [.. decoded];
                w.Write7BitEncodedInt(counts.Count);
                foreach (var (key, count) in counts)
                {
                    w.Write7BitEncodedInt(numbers.Number(key));
                    w.Write7BitEncodedInt(count);
                }
            }
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private IEnumerable<KeyValuePair<string, int>> Decode(int offset)
    {
        var n = ReadNumber(ref offset);
        for (var i = 0; i < n; i++) yield return KeyValuePair.Create(Table[ReadNumber(ref offset)], ReadNumber(ref offset));
    }

    private void Skip(ref int offset)
    {
        var n = ReadNumber(ref offset);
        for (var i = 0; i < 2 * n; i++) ReadNumber(ref offset);
    }

    private int ReadNumber(ref int offset) => SevenBitEncoding.Read(_encoded, ref offset);

    public static KeywordEntry Analyse(IReadOnlyList<Chunk> chunks)
    {
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        var terms = new KeyValuePair<string, int>[chunks.Count][];
        for (var i = 0; i < chunks.Count; i++) terms[i] = Analyse(chunks[i], words);
        return new KeywordEntry(terms, words);
    }

    /// <summary>One passage's term frequencies; its words are counted into <paramref name="words"/>.</summary>
    public static KeyValuePair<string, int>[] Analyse(Chunk chunk, Dictionary<string, int> words)
    {
        var tokens = Tokenizer.Tokenize(chunk.IndexText);
        foreach (var token in tokens)
        {
            if (token.Kind == TokenKind.Word) CollectionsMarshal.GetValueRefOrAddDefault(words, token.Normalized, out _)++;
        }
        return [.. TextAnalyzer.Terms(tokens).CountBy(t => t, StringComparer.Ordinal)];
    }
}

/// <summary>A table of terms being numbered for an encoding, starting from an existing table whose numbers it keeps.</summary>
internal sealed class TermNumbers
{
    private readonly string[] _base;
    private readonly Dictionary<string, int> _numbers = new(StringComparer.Ordinal);
    private readonly List<string> _terms;

    public TermNumbers(string[] baseTable)
    {
        _base = baseTable;
        _terms = [.. baseTable];
        for (var i = 0; i < baseTable.Length; i++) _numbers.TryAdd(baseTable[i], i);
    }

    public IReadOnlyList<string> Terms => _terms;

    /// <summary>Whether an encoding against <paramref name="table"/> is valid against this one as it is.</summary>
    public bool Extends(string[] table) => ReferenceEquals(table, _base);

    public int Number(string term)
    {
        ref var number = ref CollectionsMarshal.GetValueRefOrAddDefault(_numbers, term, out var exists);
        if (!exists)
        {
            number = _terms.Count;
            _terms.Add(term);
        }
        return number;
    }
}
