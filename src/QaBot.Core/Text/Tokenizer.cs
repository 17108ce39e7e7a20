using System.Globalization;
using System.Text;

namespace QaBot.Text;

public enum TokenKind { Word, Number }

/// <summary>A token with its place in the source text, so answers can quote the exact span.</summary>
public readonly record struct Token(string Text, string Normalized, int Start, int Length, TokenKind Kind)
{
    public int End => Start + Length;
}

/// <summary>
/// Splits text into words and numbers. Numbers keep their decimal point and thousands separators
/// ("24.2", "200,000") so "24.2%" in a question matches "24.2%" in an article; curly apostrophes are folded
/// and possessives dropped so "Toyota’s" matches "Toyota".
/// </summary>
public static class Tokenizer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>(text.Length / 5);
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsLetterOrDigit(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            var hasLetter = false;
            while (i < text.Length)
            {
                var c = text[i];
                if (char.IsLetterOrDigit(c))
                {
                    hasLetter |= char.IsLetter(c);
                    i++;
                    continue;
                }
                // Keep "24.2", "200,000" and "o'neill" together; split on anything else.
                if (i + 1 < text.Length && i > start)
                {
                    var prev = text[i - 1];
                    var next = text[i + 1];
                    if ((c is '.' or ',') && char.IsDigit(prev) && char.IsDigit(next)) { i++; continue; }
                    if (c is '\'' or '’' && char.IsLetter(prev) && char.IsLetter(next)) { i++; continue; }
                }
                break;
            }

            var raw = text.Substring(start, i - start);
            var kind = hasLetter && !char.IsDigit(raw[0]) ? TokenKind.Word : TokenKind.Number;
            tokens.Add(new Token(raw, Normalize(raw, kind), start, raw.Length, kind));
        }
        return tokens;
    }

    public static string Normalize(string raw, TokenKind kind)
    {
        if (kind == TokenKind.Number)
        {
            // "200,000" and "200000" are the same number.
            return raw.Contains(',') ? raw.Replace(",", "", StringComparison.Ordinal).ToLowerInvariant() : raw.ToLowerInvariant();
        }

        var s = raw.ToLowerInvariant().Replace('’', '\'');
        if (s.EndsWith("'s", StringComparison.Ordinal)) s = s[..^2];
        else if (s.EndsWith('\'')) s = s[..^1];
        return RemoveDiacritics(s.Replace("'", "", StringComparison.Ordinal));
    }

    private static string RemoveDiacritics(string s)
    {
        foreach (var c in s)
        {
            if (c > 127) return Fold(s);
        }
        return s;

        static string Fold(string s)
        {
            var sb = new StringBuilder(s.Length);
            foreach (var c in s.Normalize(NormalizationForm.FormD))
            {
                if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) sb.Append(c);
            }
            return sb.ToString().Normalize(NormalizationForm.FormC);
        }
    }
}
