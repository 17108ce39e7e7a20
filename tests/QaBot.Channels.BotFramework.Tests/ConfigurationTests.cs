using QaBot.Channels.BotFramework.Tests.Infrastructure;

namespace QaBot.Channels.BotFramework.Tests;

/// <summary>Bad QaBot:Bot settings (as environment variables) stop the real server process at start-up, naming the key.</summary>
public sealed class ConfigurationTests
{
    private const string AppId = "6f1c8e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

    [Theory]
    [InlineData("MicrosoftAppId=not-a-guid;MicrosoftAppPassword=x", "QaBot:Bot:MicrosoftAppId must be")]
    [InlineData($"MicrosoftAppId={AppId}", "QaBot:Bot:MicrosoftAppPassword is required")]
    [InlineData($"MicrosoftAppId={AppId};MicrosoftAppPassword=x;MicrosoftAppType=SingleTenant", "QaBot:Bot:MicrosoftAppTenantId is required")]
    [InlineData("MicrosoftAppPassword=secret", "QaBot:Bot:MicrosoftAppId is not")]
    [InlineData("OpenIdMetadataUrl=http://127.0.0.1/openid", "QaBot:Bot:OpenIdMetadataUrl must be an absolute https URL")]
    [InlineData("MaxRequestBytes=10", "QaBot:Bot:MaxRequestBytes")]
    [InlineData("MicrosoftAppType=Anonymous", "QaBot:Bot:MicrosoftAppType")]
    public async Task InvalidSetting_StopsTheServer_NamingTheKey(string settings, string expected)
    {
        var environment = settings.Split(';').Select(s => s.Split('=', 2)).ToDictionary(kv => "QaBot__Bot__" + kv[0], kv => kv[1]);
        environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";

        var result = await ProcessRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "QaBot.Server.dll")], TimeSpan.FromSeconds(60), environment);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Output);
    }
}
