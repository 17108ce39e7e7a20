namespace QaBot.Text;

/// <summary>Cut positions that never fall between the two halves of a surrogate pair (emoji, rare CJK), so cut text stays well-formed.</summary>
public static class TextCut
{
    /// <summary><paramref name="index"/>, moved back by one when it would split a surrogate pair.</summary>
    public static int Safe(string text, int index) =>
        index > 0 && index < text.Length && char.IsLowSurrogate(text[index]) && char.IsHighSurrogate(text[index - 1]) ? index - 1 : index;

    /// <summary>
    /// Where a piece of at most <paramref name="max"/> characters starting at <paramref name="start"/> should end: the last
    /// space within reach, else a hard (surrogate-safe) cut. Looks at no more than <paramref name="max"/> characters, so
    /// cutting a whole text is linear in its length however long its lines are.
    /// </summary>
    public static int AtWord(string text, int start, int max)
    {
        if (text.Length - start <= max) return text.Length;
        var space = text.LastIndexOf(' ', start + max, max);
        if (space > start) return space;
        var cut = Safe(text, start + max);
        return cut > start ? cut : start + max;
    }

    /// <summary><paramref name="text"/> when it has at most <paramref name="max"/> characters, else its start and "…" in that many.</summary>
    public static string Ellipsis(string text, int max) =>
        text.Length <= max ? text : text[..Safe(text, Math.Max(1, max - 1))].TrimEnd() + "…";
}
