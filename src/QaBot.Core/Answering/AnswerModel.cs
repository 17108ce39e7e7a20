using System.Text.Json;
using System.Text.Json.Serialization;

namespace QaBot.Answering;

/// <summary>A logistic model over named, standardised features.</summary>
public sealed record LogisticModel(
    [property: JsonPropertyName("features")] string[] Features,
    [property: JsonPropertyName("mean")] double[] Mean,
    [property: JsonPropertyName("scale")] double[] Scale,
    [property: JsonPropertyName("weights")] double[] Weights,
    [property: JsonPropertyName("bias")] double Bias)
{
    public double Logit(ReadOnlySpan<double> x)
    {
        var z = Bias;
        for (var i = 0; i < Weights.Length; i++) z += Weights[i] * (x[i] - Mean[i]) / Scale[i];
        return z;
    }

    internal void Check(string[] expected, string file, string name)
    {
        if (!Features.SequenceEqual(expected) || Mean.Length != Features.Length || Scale.Length != Features.Length || Weights.Length != Features.Length || Scale.Any(s => !(s > 0)))
        {
            throw new InvalidDataException($"{file}: the {name} model's features ({string.Join(", ", Features)}) do not match this build's ({string.Join(", ", expected)}); run `qabot calibrate` again.");
        }
    }
}

/// <summary>
/// The fitted weights of the offline answerer (<c>qabot calibrate</c> writes them): which sentence answers, and when
/// to decline instead (a probability threshold chosen on the development sets for a bounded false-decline rate).
/// </summary>
public sealed record AnswerModel(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("sentence")] LogisticModel Sentence,
    [property: JsonPropertyName("decline")] LogisticModel Decline,
    [property: JsonPropertyName("decline_threshold")] double DeclineThreshold)
{
    public const int CurrentVersion = 1;

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Loads and checks the weights file; any problem is an exception naming the file and what is wrong.</summary>
    public static AnswerModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The answerer's weights file {Path.GetFullPath(path)} does not exist; run `qabot calibrate` to create it.", path);
        AnswerModel? model;
        try
        {
            model = JsonSerializer.Deserialize<AnswerModel>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not a valid weights file ({ex.Message}).", ex);
        }
        if (model?.Sentence is null || model.Decline is null || model.Version != CurrentVersion)
        {
            throw new InvalidDataException($"{path}: not a version {CurrentVersion} weights file; run `qabot calibrate` again.");
        }
        model.Sentence.Check(AnswerFeatures.Names, path, "sentence");
        model.Decline.Check(AnswerFeatures.DeclineNames, path, "decline");
        return model;
    }
}
