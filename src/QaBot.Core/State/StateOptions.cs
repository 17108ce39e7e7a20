using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace QaBot.State;

/// <summary>Where state that must outlive a request lives.</summary>
public enum StateProvider
{
    /// <summary>In this process: right for one instance; lost on restart.</summary>
    Memory,

    /// <summary>In Redis, shared by every replica behind a load balancer and kept across deploys.</summary>
    Redis,
}

/// <summary>
/// Shared state for replicas (<c>QaBot:State</c>): conversation histories, Slack event de-duplication and Direct Line
/// conversations live in process memory (one instance) or in Redis (any number of replicas).
/// </summary>
public sealed class StateOptions : IValidatableObject
{
    public const string Section = "QaBot:State";

    public StateProvider Provider { get; set; } = StateProvider.Memory;

    public RedisStateOptions Redis { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider != StateProvider.Redis) yield break;
        var key = $"{Section}:Redis:Configuration";
        if (string.IsNullOrWhiteSpace(Redis.Configuration))
        {
            yield return new ValidationResult($"{key} must be set when {Section}:Provider is Redis (e.g. \"redis.internal:6379,password=…,ssl=true\").", [nameof(Redis)]);
            yield break;
        }

        string? problem = null;
        try
        {
            if (ConfigurationOptions.Parse(Redis.Configuration).EndPoints.Count == 0) problem = "names no host:port";
        }
        catch (ArgumentException ex)
        {
            problem = ex.Message;
        }

        if (problem is not null) yield return new ValidationResult($"{key} is not a StackExchange.Redis configuration string: {problem}", [nameof(Redis)]);
    }
}

public sealed class RedisStateOptions
{
    /// <summary>A StackExchange.Redis configuration string: <c>host:port[,password=…][,ssl=true]…</c>.</summary>
    public string? Configuration { get; set; }
}
