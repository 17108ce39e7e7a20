namespace QaBot.Text;

/// <summary>
/// A small hand-made thesaurus of the verbs and nouns news uses for change, so that "grew" finds "increase"
/// and "fall" finds "drop". It is general vocabulary, not tied to any corpus or question. Words are stored as Porter stems.
/// </summary>
public static class Lexicon
{
    public enum Direction { None, Up, Down }

    private static readonly string[] UpWords =
        ["grow", "grew", "grown", "growth", "rise", "rose", "risen", "increase", "gain", "jump", "climb", "boost", "surge", "soar", "up", "higher", "expand", "expansion", "raise", "improve"];

    private static readonly string[] DownWords =
        ["fall", "fell", "fallen", "drop", "decline", "decrease", "slump", "plunge", "cut", "lose", "lost", "loss", "shrink", "shrank", "slid", "slide", "tumble", "down", "lower", "reduce", "dip", "sank", "sink"];

    private static readonly Dictionary<string, Direction> Directions = Build();
    private static readonly string[] Up = Directions.Where(d => d.Value == Direction.Up).Select(d => d.Key).ToArray();
    private static readonly string[] Down = Directions.Where(d => d.Value == Direction.Down).Select(d => d.Key).ToArray();

    private static Dictionary<string, Direction> Build()
    {
        var d = new Dictionary<string, Direction>(StringComparer.Ordinal);
        foreach (var w in UpWords) d[PorterStemmer.Stem(w)] = Direction.Up;
        foreach (var w in DownWords) d[PorterStemmer.Stem(w)] = Direction.Down;
        return d;
    }

    public static Direction DirectionOf(string stem) => Directions.GetValueOrDefault(stem);

    /// <summary>Stems that mean the same direction of change as <paramref name="stem"/> (excluding itself).</summary>
    public static IEnumerable<string> SameDirection(string stem) => DirectionOf(stem) switch
    {
        Direction.Up => Up.Where(s => s != stem),
        Direction.Down => Down.Where(s => s != stem),
        _ => [],
    };
}
