namespace QaBot.Hostile.Tests.Infrastructure;

/// <summary>
/// Whether passages cover a text without losing any of it. Passages overlap (repeated sentences) and whitespace changes
/// where sentences are joined or hard-wrapped, so the property is stated over the non-whitespace characters: each
/// passage is a contiguous run of the text's, the first starts at its beginning, the last ends at its end, and each
/// next one starts after the previous one's start and no later than its end (overlap allowed, gaps not).
/// </summary>
public static class Coverage
{
    public static string NonWhitespace(string s) => string.Concat(s.Where(c => !char.IsWhiteSpace(c)));

    /// <summary>
    /// True when some placement of <paramref name="passages"/> in <paramref name="text"/> satisfies the property. Placements
    /// are searched over every feasible start (repetitive text can match in many places), not just the first found.
    /// </summary>
    public static bool IsCoveredWithoutGaps(string text, IReadOnlyList<string> passages)
    {
        var all = NonWhitespace(text);
        var parts = passages.Select(NonWhitespace).ToList();
        if (parts.Count == 0) return all.Length == 0;

        // Feasible starts of the current passage, each with the length of the passage before it.
        var feasible = new SortedSet<int>();
        if (all.AsSpan().StartsWith(parts[0], StringComparison.Ordinal)) feasible.Add(0);
        for (var k = 1; k < parts.Count && feasible.Count > 0; k++)
        {
            var next = new SortedSet<int>();
            var previousLength = parts[k - 1].Length;
            var checkedUpTo = -1;
            foreach (var start in feasible)
            {
                for (var p = Math.Max(start + 1, checkedUpTo + 1); p <= start + previousLength; p++)
                {
                    if (p + parts[k].Length <= all.Length && all.AsSpan(p).StartsWith(parts[k], StringComparison.Ordinal)) next.Add(p);
                }
                checkedUpTo = Math.Max(checkedUpTo, start + previousLength);
            }
            feasible = next;
        }
        return feasible.Any(start => start + parts[^1].Length == all.Length);
    }

    /// <summary>True when no surrogate in <paramref name="s"/> is separated from its pair.</summary>
    public static bool IsWellFormedUtf16(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsSurrogatePair(s, i)) i++;
            else if (char.IsSurrogate(s[i])) return false;
        }
        return true;
    }
}
