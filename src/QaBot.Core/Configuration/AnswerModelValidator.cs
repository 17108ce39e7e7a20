using Microsoft.Extensions.Options;
using QaBot.Answering;

namespace QaBot.Configuration;

/// <summary>The answerer's weights file must exist and match this build's features, or start-up stops naming the file.</summary>
public sealed class AnswerModelValidator : IValidateOptions<AnsweringOptions>
{
    public ValidateOptionsResult Validate(string? name, AnsweringOptions options)
    {
        try
        {
            AnswerModel.Load(PathResolver.Resolve(options.WeightsPath));
            return ValidateOptionsResult.Success;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return ValidateOptionsResult.Fail($"{AnsweringOptions.Section}:WeightsPath: {ex.Message}");
        }
    }
}
