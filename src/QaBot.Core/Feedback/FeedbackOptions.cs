using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace QaBot.Feedback;

public sealed class FeedbackOptions
{
    public const string Section = "QaBot:Feedback";

    /// <summary>
    /// The SQLite file votes are kept in, shared by the server (which writes) and <c>qabot feedback</c> (which reads).
    /// Default: <c>feedback.db</c> beside the index folder (<c>QaBot:Index:Path</c>), i.e. <c>.qabot/feedback.db</c>.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// On for readers (<c>qabot feedback</c>): the file is opened read-only, so someone allowed only to read the server's
    /// file can export it, and a missing file means a wrong path, not a fresh start.
    /// </summary>
    public bool ReadOnly { get; set; }

    /// <summary>How long a write waits for another process (a CLI export, a second server) to let go of the file.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public static string DefaultPath(string indexPath) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.TrimEndingDirectorySeparator(indexPath)) ?? "", "feedback.db");
}

/// <summary>
/// Opens the feedback file (creating it and its schema when missing) when the options are first read, so a file that is
/// not a database, is locked, or cannot be written stops start-up as a configuration error: one line naming the key and the path.
/// </summary>
internal sealed class FeedbackStoreCheck : IValidateOptions<FeedbackOptions>
{
    public ValidateOptionsResult Validate(string? name, FeedbackOptions options)
    {
        try
        {
            SqliteFeedbackStore.Open(options);
            return ValidateOptionsResult.Success;
        }
        catch (FeedbackStoreException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
