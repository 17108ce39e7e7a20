using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace QaBot.Configuration;

/// <summary>
/// Data-annotation validation whose messages name the full configuration key ("QaBot:Chunking:MinChars: ..."), the
/// way a user sets it in appsettings.json or as QaBot__Chunking__MinChars, instead of a bare class member.
/// </summary>
public sealed class SectionValidator<T>(string section) : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)) return ValidateOptionsResult.Success;
        return ValidateOptionsResult.Fail(results.Select(r =>
        {
            var member = r.MemberNames.FirstOrDefault();
            var message = r.ErrorMessage ?? "is invalid";
            return member is null || message.StartsWith(section, StringComparison.Ordinal) ? message : $"{section}:{member}: {message}";
        }));
    }
}
