using System.Globalization;
using System.Text.RegularExpressions;

namespace QaBot.Ingestion;

/// <summary>Parses the date formats articles print ("Feb-14-2025", "14 February 2025", "2025-02-14T10:00Z").</summary>
public static partial class DateParsing
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd", "MMM-dd-yyyy", "MMM-d-yyyy", "MMMM d, yyyy", "MMM d, yyyy", "d MMMM yyyy", "d MMM yyyy",
        "dd/MM/yyyy", "yyyy/MM/dd", "MMMM d yyyy", "MMM d yyyy", "dd-MMM-yyyy", "d-MMM-yyyy", "yyyy.MM.dd",
    ];

    public static DateOnly? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var s = Ordinal().Replace(text.Trim().TrimEnd('.'), "$1");
        if (DateOnly.TryParseExact(s, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var d)) return d;
        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto)) return DateOnly.FromDateTime(dto.UtcDateTime);
        // A date followed by a time or more words: try the leading date-like part.
        var m = DateLike().Match(s);
        return m.Success && m.Value != s ? TryParse(m.Value) : null;
    }

    [GeneratedRegex(@"(\d)(?:st|nd|rd|th)\b")]
    private static partial Regex Ordinal();

    [GeneratedRegex(@"^(?:\d{4}-\d{2}-\d{2}|[A-Za-z]{3,9}[- ]\d{1,2},?[- ]\d{4}|\d{1,2}[- ][A-Za-z]{3,9}[- ]\d{4})")]
    private static partial Regex DateLike();
}
