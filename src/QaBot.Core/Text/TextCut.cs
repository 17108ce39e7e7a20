namespace QaBot.Text;

/// <summary>Cut positions that never fall between the two halves of a surrogate pair (emoji, rare CJK), so cut text stays well-formed.</summary>
public static class TextCut
{
    /// <summary><paramref name="index"/>, moved back by one when it would split a surrogate pair.</summary>
    public static int Safe(string text, int index) =>
        index > 0 && index < text.Length && char.IsLowSurrogate(text[index]) && char.IsHighSurrogate(text[index - 1]) ? index - 1 : index;
}
