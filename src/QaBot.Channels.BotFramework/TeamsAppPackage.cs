using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QaBot.Channels.BotFramework;

/// <summary>
/// The Teams app package for "Upload a custom app": TeamsApp/manifest.json with the bot's app id filled in, plus the
/// color (192x192) and outline (32x32) icons, zipped at the root as Teams requires.
/// </summary>
public static class TeamsAppPackage
{
    private static readonly string[] Files = ["manifest.json", "color.png", "outline.png"];

    /// <summary>Writes the zip to <paramref name="path"/> for the Azure Bot whose Microsoft App ID is <paramref name="botId"/>.</summary>
    public static void WriteZip(string path, string botId)
    {
        using var file = File.Create(path);
        WriteZip(file, botId);
    }

    public static void WriteZip(Stream output, string botId)
    {
        if (!Guid.TryParse(botId, out var id))
            throw new ArgumentException($"The Teams bot id must be the Azure Bot's Microsoft App ID (a GUID, {BotOptions.Section}:MicrosoftAppId), not '{botId}'.", nameof(botId));

        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var name in Files)
        {
            using var entry = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
            if (name == "manifest.json") entry.Write(Manifest(id.ToString()));
            else Resource(name).CopyTo(entry);
        }
    }

    /// <summary>The manifest with <paramref name="botId"/> as app id and bot id (one registration serves both).</summary>
    public static byte[] Manifest(string botId)
    {
        using var template = Resource("manifest.json");
        var manifest = JsonNode.Parse(template)!.AsObject();
        manifest["id"] = botId;
        foreach (var bot in manifest["bots"]!.AsArray()) bot!["botId"] = botId;
        // Written node by node, so it also runs where reflection-based serialisation is off (scripts/teams-package is AOT-ready).
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true })) manifest.WriteTo(writer);
        return buffer.ToArray();
    }

    private static Stream Resource(string name) =>
        typeof(TeamsAppPackage).Assembly.GetManifestResourceStream($"QaBot.Channels.BotFramework.TeamsApp.{name}")
        ?? throw new InvalidOperationException($"TeamsApp/{name} is not embedded in {typeof(TeamsAppPackage).Assembly.GetName().Name}.");
}
