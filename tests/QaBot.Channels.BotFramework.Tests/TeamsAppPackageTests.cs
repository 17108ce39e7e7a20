using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json.Nodes;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>The "Upload a custom app" zip: manifest with the configured bot id, both icons at the required sizes.</summary>
public sealed class TeamsAppPackageTests
{
    private const string BotId = "6f1c8e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

    [Fact]
    public void Zip_HoldsTheManifestWithTheBotId_AndBothIcons()
    {
        using var zip = WriteZip(BotId);

        Assert.Equal(["color.png", "manifest.json", "outline.png"], zip.Entries.Select(e => e.FullName).Order());
        var manifest = JsonNode.Parse(zip.GetEntry("manifest.json")!.Open())!.AsObject();
        Assert.Equal("1.22", (string?)manifest["manifestVersion"]);
        Assert.EndsWith("/v1.22/MicrosoftTeams.schema.json", (string?)manifest["$schema"]);
        Assert.Equal(BotId, (string?)manifest["id"]);
        var bot = Assert.Single(manifest["bots"]!.AsArray())!;
        Assert.Equal(BotId, (string?)bot["botId"]);
        Assert.Equal(["personal", "team", "groupChat"], bot["scopes"]!.AsArray().Select(s => (string?)s));
        // No fixed example questions: they would be about one corpus; the welcome offers ones the bot has checked it answers.
        Assert.Null(bot["commandLists"]);
        Assert.Equal("color.png", (string?)manifest["icons"]!["color"]);
        Assert.Equal("outline.png", (string?)manifest["icons"]!["outline"]);
        Assert.DoesNotContain("${{", manifest.ToJsonString());

        Assert.Equal((192, 192), PngSize(zip.GetEntry("color.png")!));
        Assert.Equal((32, 32), PngSize(zip.GetEntry("outline.png")!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("my-bot")]
    public void BotIdThatIsNotAnAppId_IsRefusedWithTheReason(string botId)
    {
        var error = Assert.Throws<ArgumentException>(() => WriteZip(botId));

        Assert.Contains("QaBot:Bot:MicrosoftAppId", error.Message);
    }

    private static ZipArchive WriteZip(string botId)
    {
        var buffer = new MemoryStream();
        TeamsAppPackage.WriteZip(buffer, botId);
        buffer.Position = 0;
        return new ZipArchive(buffer, ZipArchiveMode.Read);
    }

    /// <summary>Width and height from the PNG signature and IHDR chunk (a file that is not a PNG fails here).</summary>
    private static (int Width, int Height) PngSize(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        var header = new byte[24];
        stream.ReadExactly(header);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], header[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(header, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(20)));
    }
}
