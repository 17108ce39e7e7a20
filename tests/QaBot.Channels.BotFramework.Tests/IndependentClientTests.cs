using QaBot.Channels.BotFramework.Tests.Infrastructure;
using Xunit.Abstractions;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>Microsoft's own JavaScript packages (botbuilder, botframework-schema) play the channel against the real server.</summary>
public sealed class IndependentClientTests(EmulatorModeFixture fixture, ITestOutputHelper output) : IClassFixture<EmulatorModeFixture>
{
    [SkippableFact]
    public async Task BotbuilderConnectorRoutes_AcceptEveryReply_AndTheRepliesHaveTheExpectedShapes()
    {
        E2ePrerequisites.Require("botbuilder");

        var (process, report) = await NodeScripts.RunAsync("botframework/emulator-channel.js", fixture.Server.MessagesUrl.ToString());

        output.WriteLine(report.ToJsonString());
        Assert.True(process.ExitCode == 0, $"node exited {process.ExitCode}: {report["failures"]?.ToJsonString()}\n{process.StandardError}");
        Assert.Equal(true, (bool?)report["ok"]);
        Assert.True(report["checks"]!.AsArray().Count >= 30, "The script ran fewer checks than it has.");
    }
}

/// <summary>Microsoft's validator (botframework-connector ChannelValidation) and QaBot agree on every token of the matrix.</summary>
public sealed class TokenOracleTests(AzureBotFixture azure, ITestOutputHelper output) : IClassFixture<AzureBotFixture>
{
    [SkippableFact]
    public async Task MicrosoftsValidatorAndQaBot_AcceptAndRejectTheSameTokens()
    {
        E2ePrerequisites.Require("botbuilder");
        var keyFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(keyFile, azure.Channel.SigningKeyPem());

            var (process, report) = await NodeScripts.RunAsync("botframework/token-oracle.js", azure.Server.MessagesUrl.ToString(),
                azure.Channel.OpenIdMetadataUrl.ToString(), keyFile, FakeChannel.KeyId, AzureBotFixture.AppId, azure.Channel.ServiceUrl);

            output.WriteLine(report.ToJsonString());
            Assert.True(process.ExitCode == 0, $"node exited {process.ExitCode}: {report["failures"]?.ToJsonString()}\n{process.StandardError}");
            Assert.Equal(9, report["cases"]!.AsArray().Count);
        }
        finally
        {
            File.Delete(keyFile);
        }
    }
}
