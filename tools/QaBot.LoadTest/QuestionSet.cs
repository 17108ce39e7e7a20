using System.Text.Json;

namespace QaBot.LoadTest;

/// <summary>The questions a run asks: the dev sets' questions plus the generator's own, and follow-ups for later turns.</summary>
public sealed class QuestionSet
{
    /// <summary>Questions beyond the dev sets: other BBC stories, one the corpus cannot answer, one long and rambling.</summary>
    private static readonly string[] OwnQuestions =
    [
        "How much have Honda sales dropped?",
        "Why is Nissan cutting production?",
        "What did the Bank of England decide about interest rates?",
        "Who won the Australian Open?",
        "How many people use broadband in the UK?",
        "What happened to Yukos?",
        "What is the price of a barrel of oil?",
        "Which film won the most Oscars?",
        "Who is the chancellor of the exchequer?",
        "What is the recipe for a lemon drizzle cake?",
        "I read something a while ago about mobile phones and how many of them were sold around the world last year, " +
            "and I was wondering whether sales went up or down and by how much compared with the year before?",
    ];

    /// <summary>Follow-ups that lean on the previous turn, so the conversation store and rewriter are exercised too.</summary>
    private static readonly string[] FollowUps =
    [
        "By how much?",
        "Why?",
        "When did that happen?",
        "Who said so?",
        "What about Toyota?",
        "And what happened next?",
    ];

    private QuestionSet(IReadOnlyList<string> questions) => Questions = questions;

    public IReadOnlyList<string> Questions { get; }

    public static QuestionSet Load(IEnumerable<string> jsonlFiles)
    {
        var questions = new List<string>(OwnQuestions);
        foreach (var file in jsonlFiles)
        {
            foreach (var line in File.ReadLines(file).Where(l => !string.IsNullOrWhiteSpace(l)))
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("question", out var q) && q.GetString() is { Length: > 0 } text) questions.Add(text);
            }
        }
        return new QuestionSet(questions);
    }

    /// <summary>The question for <paramref name="turn"/> (0 = first) of a conversation.</summary>
    public string Pick(Random random, int turn) => turn == 0 ? Questions[random.Next(Questions.Count)] : FollowUps[random.Next(FollowUps.Length)];
}
