#:project ../src/QaBot.Channels.BotFramework/QaBot.Channels.BotFramework.csproj
// The one-file app behind scripts/teams-package: reads the bot id like the server does (appsettings.json, environment,
// command line) and writes the zip with TeamsAppPackage.
using Microsoft.Extensions.Configuration;
using QaBot.Channels.BotFramework;

var configuration = new ConfigurationBuilder()
    .AddJsonFile(Path.GetFullPath("appsettings.json"), optional: true)
    .AddEnvironmentVariables()
    .AddCommandLine(args, new Dictionary<string, string> { ["--app-id"] = "QaBot:Bot:MicrosoftAppId", ["--out"] = "out" })
    .Build();

var appId = configuration["QaBot:Bot:MicrosoftAppId"];
if (string.IsNullOrWhiteSpace(appId))
{
    Console.Error.WriteLine("No bot id: pass --app-id <Microsoft App ID> or set QaBot__Bot__MicrosoftAppId.");
    return 2;
}

var output = Path.GetFullPath(configuration["out"] ?? "qabot-teams.zip");
try
{
    TeamsAppPackage.WriteZip(output, appId);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
Console.WriteLine($"Wrote {output} (bot {appId}). In Teams: Apps > Manage your apps > Upload an app > Upload a custom app.");
return 0;
