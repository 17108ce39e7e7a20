using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using QaBot.Answering;

namespace QaBot.Feedback;

/// <summary>The feedback file cannot be used; the message names <c>QaBot:Feedback:Path</c> and the file.</summary>
public sealed class FeedbackStoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Votes in a SQLite file: one row per vote, citations as JSON. WAL mode so the CLI can read while the server writes, and
/// a busy timeout so two writers wait for each other instead of failing. Connections are not pooled: votes are rare, and
/// a stopped host then holds no handle on the file.
/// </summary>
public sealed class SqliteFeedbackStore : IFeedbackStore
{
    private const int SchemaVersion = 1;

    // Sortable as text, so time ranges and days are plain string comparisons in SQL.
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _connectionString;
    private readonly int _busyMilliseconds;

    private SqliteFeedbackStore(string path, TimeSpan busyTimeout, bool readOnly, bool immutable = false)
    {
        Path = path;
        _busyMilliseconds = (int)busyTimeout.TotalMilliseconds;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = immutable ? new Uri(path).AbsoluteUri + "?immutable=1" : path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            // Seconds, and 0 would mean "wait forever".
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        }.ToString();
    }

    /// <summary>The file, as a full path.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens the file at <see cref="FeedbackOptions.Path"/>: for writing, creating it and its schema when missing; with
    /// <see cref="FeedbackOptions.ReadOnly"/>, an existing file without writing to it.
    /// </summary>
    /// <exception cref="FeedbackStoreException">The file is not a SQLite database, is locked, or cannot be created or written.</exception>
    public static SqliteFeedbackStore Open(FeedbackOptions options)
    {
        var path = System.IO.Path.GetFullPath(options.Path ?? throw new InvalidOperationException($"{FeedbackOptions.Section}:Path is not set."));
        if (options.ReadOnly && !File.Exists(path))
            throw new FeedbackStoreException($"{FeedbackOptions.Section}:Path: {path} does not exist; the server creates it when it starts, so check that this is the path it uses.");
        var store = new SqliteFeedbackStore(path, options.BusyTimeout, options.ReadOnly);
        try
        {
            if (!options.ReadOnly)
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
                store.CreateSchema();
                return store;
            }

            try
            {
                store.CheckSchema();
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode is SQLitePCL.raw.SQLITE_CANTOPEN or SQLitePCL.raw.SQLITE_READONLY)
            {
                // A WAL file with no -shm beside it, in a folder this user cannot write: no writer has it open (a writer
                // keeps the -shm), so it is read as it stands on disk.
                store = new SqliteFeedbackStore(path, options.BusyTimeout, readOnly: true, immutable: true);
                store.CheckSchema();
            }

            return store;
        }
        catch (SqliteException ex)
        {
            var problem = ex.SqliteErrorCode switch
            {
                SQLitePCL.raw.SQLITE_NOTADB or SQLitePCL.raw.SQLITE_CORRUPT => "is not a SQLite database (or is corrupt)",
                SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED => $"is locked by another process (waited {options.BusyTimeout.TotalSeconds:0.#} s)",
                SQLitePCL.raw.SQLITE_READONLY or SQLitePCL.raw.SQLITE_PERM => "cannot be written",
                _ when options.ReadOnly => "cannot be read",
                _ => "cannot be opened",
            };
            throw new FeedbackStoreException($"{FeedbackOptions.Section}:Path: {path} {problem}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FeedbackStoreException($"{FeedbackOptions.Section}:Path: {path} cannot be created: {ex.Message}", ex);
        }
    }

    public async Task AddAsync(FeedbackRecord vote, CancellationToken cancellationToken)
    {
        await using var connection = Connect();
        await using var command = connection.CreateCommand();
        // A user's second vote on the same message replaces the first (NULLs never conflict, so anonymous votes all stay).
        command.CommandText = """
            INSERT INTO votes (time, channel, conversation_id, user_id, message_ref, vote, reaction, comment, question, answer, citations)
            VALUES ($time, $channel, $conversation, $user, $message, $vote, $reaction, $comment, $question, $answer, $citations)
            ON CONFLICT (channel, conversation_id, user_id, message_ref) DO UPDATE SET
                time = excluded.time, vote = excluded.vote, reaction = excluded.reaction, comment = excluded.comment,
                question = coalesce(excluded.question, question), answer = coalesce(excluded.answer, answer),
                citations = CASE WHEN excluded.question IS NULL THEN citations ELSE excluded.citations END
            """;
        Add(command, "$time", Format(vote.Time));
        Add(command, "$channel", vote.Channel);
        Add(command, "$conversation", vote.ConversationId);
        Add(command, "$user", vote.UserId);
        Add(command, "$message", vote.MessageRef);
        Add(command, "$vote", Name(vote.Vote));
        Add(command, "$reaction", vote.Reaction);
        Add(command, "$comment", vote.Comment);
        Add(command, "$question", vote.Question);
        Add(command, "$answer", vote.Answer);
        Add(command, "$citations", JsonSerializer.Serialize(vote.Citations, Json));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<FeedbackRecord>> QueryAsync(FeedbackQuery query, CancellationToken cancellationToken)
    {
        await using var connection = Connect();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, time, channel, conversation_id, user_id, message_ref, vote, reaction, comment, question, answer, citations
            FROM votes
            WHERE ($vote IS NULL OR vote = $vote) AND ($since IS NULL OR time >= $since) AND ($channel IS NULL OR channel = $channel COLLATE NOCASE)
            ORDER BY time, id
            """;
        Add(command, "$vote", query.Vote is { } v ? Name(v) : null);
        Add(command, "$since", query.Since is { } since ? Format(since) : null);
        Add(command, "$channel", query.Channel);

        var votes = new List<FeedbackRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            votes.Add(new FeedbackRecord(
                Channel: reader.GetString(2),
                ConversationId: reader.GetString(3),
                UserId: Text(reader, 4),
                MessageRef: Text(reader, 5),
                Vote: reader.GetString(6) == "down" ? Vote.Down : Vote.Up,
                Reaction: reader.GetString(7),
                Comment: Text(reader, 8),
                Question: Text(reader, 9),
                Answer: Text(reader, 10),
                Citations: Citations(reader.GetString(11)),
                Time: DateTimeOffset.ParseExact(reader.GetString(1), TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal))
            {
                Id = reader.GetInt64(0),
            });
        }

        return votes;
    }

    public async Task<IReadOnlyList<FeedbackDayStats>> StatsAsync(DateTimeOffset? since, CancellationToken cancellationToken)
    {
        await using var connection = Connect();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT substr(time, 1, 10) AS day, channel, sum(vote = 'up'), sum(vote = 'down')
            FROM votes
            WHERE $since IS NULL OR time >= $since
            GROUP BY day, channel
            ORDER BY day, channel
            """;
        Add(command, "$since", since is { } s ? Format(s) : null);

        var stats = new List<FeedbackDayStats>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            stats.Add(new FeedbackDayStats(DateOnly.ParseExact(reader.GetString(0), "yyyy-MM-dd", CultureInfo.InvariantCulture), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3)));
        return stats;
    }

    private void CreateSchema()
    {
        using var connection = Connect();
        Execute(connection, "PRAGMA journal_mode = WAL");
        using var transaction = connection.BeginTransaction(); // BEGIN IMMEDIATE: proves the file can be written now
        CheckVersion(connection, transaction);
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS votes (
                id INTEGER PRIMARY KEY,
                time TEXT NOT NULL,
                channel TEXT NOT NULL,
                conversation_id TEXT NOT NULL,
                user_id TEXT,
                message_ref TEXT,
                vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
                reaction TEXT NOT NULL,
                comment TEXT,
                question TEXT,
                answer TEXT,
                citations TEXT NOT NULL DEFAULT '[]',
                UNIQUE (channel, conversation_id, user_id, message_ref)
            );
            CREATE INDEX IF NOT EXISTS votes_time ON votes (time);
            """, transaction);
        Execute(connection, $"PRAGMA user_version = {SchemaVersion}", transaction);
        transaction.Commit();
    }

    private void CheckSchema()
    {
        using var connection = Connect();
        CheckVersion(connection);
        if (Convert.ToInt64(Execute(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'votes'"), CultureInfo.InvariantCulture) == 0)
            throw new SqliteException("it holds no votes: it is not the file the server writes them to", SQLitePCL.raw.SQLITE_ERROR);
    }

    private static void CheckVersion(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        var version = Convert.ToInt64(Execute(connection, "PRAGMA user_version", transaction), CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
            throw new SqliteException($"schema version {version} was written by a newer QaBot (this one reads {SchemaVersion})", SQLitePCL.raw.SQLITE_ERROR);
    }

    // Microsoft.Data.Sqlite opens synchronously whichever method is called.
    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {_busyMilliseconds}");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static object? Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command.ExecuteScalar();
    }

    private static void Add(SqliteCommand command, string name, string? value) => command.Parameters.AddWithValue(name, (object?)value ?? DBNull.Value);

    private static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    // A row edited by hand keeps its vote and question when its sources no longer read, rather than stopping the export.
    private static List<Citation> Citations(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<List<Citation>>(json, Json)?.Where(c => c is not null).ToList() ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static string Name(Vote vote) => vote == Vote.Down ? "down" : "up";
}
