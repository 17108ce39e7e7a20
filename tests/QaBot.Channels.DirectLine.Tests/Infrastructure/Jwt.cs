using System.Buffers.Text;
using System.Text.Json.Nodes;

namespace QaBot.Channels.DirectLine.Tests.Infrastructure;

/// <summary>Reads a JWT's payload the way Web Chat does (no signature check): it takes the user id from the <c>user</c> claim.</summary>
public static class Jwt
{
    public static JsonObject Payload(string token) => JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]))!.AsObject();

    /// <summary>The token with one character of its signature changed.</summary>
    public static string Tampered(string token) => token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];
}
