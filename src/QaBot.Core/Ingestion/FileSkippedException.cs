namespace QaBot.Ingestion;

/// <summary>A reader's refusal of one file (binary content, markup nested too deep); the message is the reason users see in the log.</summary>
public sealed class FileSkippedException(string reason) : Exception(reason);
