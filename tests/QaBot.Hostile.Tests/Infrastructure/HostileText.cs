using CsCheck;

namespace QaBot.Hostile.Tests.Infrastructure;

/// <summary>Generators of text that trips up text code: odd unicode, control characters, no spaces, long words, only punctuation.</summary>
public static class HostileText
{
    private static readonly string[] Words = ["Sales", "fell", "24.2%", "Mr.", "U.S.", "J.", "Honda", "the", "a", "£4m", "(", ")", "\"Quote.\"", "e.g.", "No.", "1.5"];

    /// <summary>Sentence ends, quotes and brackets the splitter looks at, and whitespace other than a space.</summary>
    private static readonly Gen<char> Punctuation = Gen.Char[".!?。！？\"“”‘’'()[],;:-…"];

    private static readonly Gen<char> Whitespace = Gen.Char[" \t\r\n\u00A0\u2028\u2029\u3000\v\f"];

    /// <summary>One building block of a text; texts are runs of these.</summary>
    private static readonly Gen<string> Atom = Gen.Frequency(
        (6, Gen.OneOf(Words).Select(w => w + " ")),
        (3, Gen.Char['a', 'z'].Array[1, 12].Select(c => new string(c))),
        (3, Punctuation.Select(c => c.ToString())),
        (3, Whitespace.Array[1, 3].Select(c => new string(c))),
        (2, Gen.Char['\0', '\u001F'].Array[1, 3].Select(c => new string(c))),
        (2, Gen.Char['\u0080', '\uD7FF'].Array[1, 8].Select(c => new string(c))),
        // Astral characters (emoji, CJK extension B) are surrogate pairs: two chars that must stay together.
        (2, Gen.Int[0x1F300, 0x2A6DF].Select(char.ConvertFromUtf32)),
        (1, Gen.Char['\uD800', '\uDFFF'].Select(c => c.ToString())),
        (1, Gen.Char['A', 'Z'].Select(c => $"{c}. ")),
        (1, Gen.Char['a', 'z'].Array[300, 2500].Select(c => new string(c))));

    /// <summary>Up to a few thousand characters of mixed hostile text.</summary>
    public static readonly Gen<string> Text = Gen.Frequency(
        (8, Atom.Array[0, 80].Select(string.Concat)),
        (1, Gen.Char.Array[0, 400].Select(c => new string(c))),
        (1, Punctuation.Array[1, 400].Select(c => new string(c))),
        (1, Whitespace.Array[0, 50].Select(c => new string(c))));

    /// <summary>About a megabyte: one unbroken word, or long prose.</summary>
    public static readonly Gen<string> Megabyte = Gen.OneOf(
        Gen.Char['a', 'z'].Select(c => new string(c, 1 << 20)),
        Atom.Array[200, 400].Select(a => string.Concat(a)).Select(s => string.Concat(Enumerable.Repeat(s, (1 << 20) / Math.Max(1, s.Length) + 1))));
}
