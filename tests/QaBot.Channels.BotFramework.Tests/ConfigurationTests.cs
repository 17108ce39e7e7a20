
namespace QaBot.Channels.BotFramework.Tests;

/// <summary>
/// Bad settings of any section (as environment variables) stop the real server process at start-up with one line per
/// problem naming the key, a non-zero exit code and no stack trace unless -v asks for it.
/// </summary>
public sealed class ConfigurationTests
{
    private const string AppId = "6f1c8e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

    // A line of a .NET stack trace: "   at Namespace.Type.Method(…)".
    private const string StackFrame = @"(?m)^\s+at \S+\(";

    [Theory]
    [InlineData("Bot__MicrosoftAppId=not-a-guid;Bot__MicrosoftAppPassword=x", "QaBot:Bot:MicrosoftAppId must be")]
    [InlineData($"Bot__MicrosoftAppId={AppId}", "QaBot:Bot:MicrosoftAppPassword or QaBot:Bot:FederatedTokenFile (one of them) is required")]
    [InlineData($"Bot__MicrosoftAppId={AppId};Bot__MicrosoftAppPassword=x;Bot__MicrosoftAppType=SingleTenant", "QaBot:Bot:MicrosoftAppTenantId is required")]
    [InlineData("Bot__MicrosoftAppPassword=secret", "QaBot:Bot:MicrosoftAppId is not")]
    [InlineData("Bot__OpenIdMetadataUrl=http://127.0.0.1/openid", "QaBot:Bot:OpenIdMetadataUrl must be an absolute https URL")]
    [InlineData("Bot__MaxRequestBytes=10", "QaBot:Bot:MaxRequestBytes")]
    [InlineData("Bot__MicrosoftAppType=Anonymous", "QaBot:Bot:MicrosoftAppType")]
    [InlineData("Slack__SigningSecret=secret", "QaBot:Slack:BotToken must be set")]
    [InlineData("DirectLine__Secret=too-short", "QaBot:DirectLine:Secret")]
    [InlineData("DirectLine__AllowedOrigins__0=https://news.example/", "QaBot:DirectLine:AllowedOrigins")]
    [InlineData("DirectLine__AllowedOrigins=https://news.example/", "QaBot:DirectLine:AllowedOrigins")] // one value: the one item
    [InlineData("DirectLine__MaxActivitiesPerConversation=1", "QaBot:DirectLine:MaxActivitiesPerConversation")]
    [InlineData("DirectLine__MaxKilobytesPerConversation=32", "QaBot:DirectLine:MaxKilobytesPerConversation")]
    [InlineData("DirectLine__MaxActivityBytes=4194304", "QaBot:DirectLine:MaxKilobytesPerConversation (512)")]
    [InlineData("Chunking__MaxChars=abc", "'QaBot:Chunking:MaxChars'")]
    [InlineData("Corpus__Paths__0=", "QaBot:Corpus:Paths:0 is empty")]
    [InlineData("Turns__SendTimeout=01:00:00", "QaBot:Turns:SendTimeout")]
    [InlineData("State__Provider=Redis", "QaBot:State:Redis:Configuration must be set")]
    [InlineData("State__Provider=Redis;State__Redis__Configuration=localhost:6379,nosuchoption=1", "QaBot:State:Redis:Configuration is not")]
    [InlineData("State__Provider=Cluster", "'QaBot:State:Provider'")]
    // Read while the services are composed, before the start-up check.
    [InlineData("Telemetry__Exporter=Jaeger", "'QaBot:Telemetry:Exporter'")]
    [InlineData("Telemetry__TraceSampleRatio=half", "'QaBot:Telemetry:TraceSampleRatio'")]
    [InlineData("Telemetry__TraceSampleRatio=5", "QaBot:Telemetry:TraceSampleRatio")]
    [InlineData("Telemetry__Exporter=Otlp;Telemetry__OtlpEndpoint=notaurl", "QaBot:Telemetry:OtlpEndpoint must be an absolute http(s) URL")]
    [InlineData("Answering__Provider=AzureOpenAI;AzureOpenAI__ChatDeployment=chat;AzureOpenAI__Endpoint=not_a_url", "QaBot:AzureOpenAI:Endpoint must be an absolute https URL")]
    [InlineData("RateLimits__RequestsPerClientPerSecond=many", "'QaBot:RateLimits:RequestsPerClientPerSecond'")]
    [InlineData("RateLimits__RequestsPerClientPerSecond=0", "QaBot:RateLimits:RequestsPerClientPerSecond")]
    [InlineData("Retrieval__TopKK=3", "QaBot:Retrieval:TopKK is not a setting QaBot reads; did you mean QaBot:Retrieval:TopK?")]
    [InlineData("Retreival__TopK=3", "QaBot:Retreival is not a setting QaBot reads; did you mean QaBot:Retrieval?")]
    [InlineData("Slack__SigningSecrt=secret", "QaBot:Slack:SigningSecrt is not a setting QaBot reads; did you mean QaBot:Slack:SigningSecret?")]
    [InlineData("Telemetry__Exporter=None;Telemetry__Sampling=0.5", "QaBot:Telemetry:Sampling is not a setting QaBot reads")]
    [InlineData("Feedback__Pth=votes.db", "QaBot:Feedback:Pth is not a setting QaBot reads; did you mean QaBot:Feedback:Path?")]
    public async Task InvalidSetting_StopsTheServer_WithOneLineNamingTheKey(string settings, string expected)
    {
        var result = await RunServerAsync(settings);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("Configuration error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotMatch(StackFrame, result.Output);
    }

    [Theory]
    [InlineData(null, "address already in use")]
    [InlineData("htp:/127.0.0.1:x", "Invalid url")]
    [InlineData("http://127.0.0.1:99999", "out of the range")]
    public async Task An_address_the_server_cannot_listen_on_stops_it_with_one_line_naming_the_setting(string? urls, string expected)
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        urls ??= $"http://127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}";

        var result = await RunServerAtAsync(urls, "Index__Persist=false");

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"Could not listen on {urls}: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.EndsWith("Set ASPNETCORE_URLS (or --urls) to an address this process can use.", line, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackFrame, result.Output);
    }

    [Theory]
    [InlineData("http://nosuchhost:3978", "http://nosuchhost:3978")]
    [InlineData("http://127.0.0.1:3978;https://bot.example.com:443", "https://bot.example.com:443")]
    [InlineData("http://localhost:3978;http://LOCALHOST:3979", "")]
    [InlineData("http://127.0.0.1:3978;http://[::1]:3978;http://0.0.0.0:3978;http://[::]:3978", "")]
    [InlineData("http://*:3978;http://+:3978", "")] // every interface, said on purpose
    public void A_listen_url_that_names_a_host_is_one_kestrel_binds_on_every_interface(string urls, string expected)
    {
        Assert.Equal(expected, string.Join(';', QaBot.Server.ListenAddresses.OnEveryInterfaceByName(urls)));
    }

    [Fact]
    public async Task A_corpus_folder_with_no_articles_is_served_with_a_warning_naming_it()
    {
        var empty = Directory.CreateTempSubdirectory("qabot-empty-corpus-");
        try
        {
            await using var server = await TestServer.StartAsync(new Dictionary<string, string> { ["QaBot:Corpus:Paths:0"] = empty.FullName });

            Assert.Contains($"No articles found in QaBot:Corpus:Paths ({empty.FullName})", server.Output, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Verbose_adds_the_stack_trace()
    {
        var result = await RunServerAsync("Slack__SigningSecret=secret", "-v");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("Configuration error: QaBot:Slack:BotToken must be set", result.StandardError);
        Assert.Contains("OptionsValidationException", result.StandardError);
        Assert.Matches(StackFrame, result.StandardError);
    }

    [Theory]
    [InlineData("Corpus__Paths__0")]
    [InlineData("Corpus__Paths")] // one value rather than a list: the folder is still the one named
    public async Task A_missing_corpus_folder_stops_the_server_naming_the_key_and_the_folder(string key)
    {
        var result = await RunServerAsync($"{key}=/no/such/qabot/folder");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("QaBot:Corpus:Paths (/no/such/qabot/folder): Document folder not found", result.Output);
        Assert.DoesNotMatch(StackFrame, result.Output);
        Assert.DoesNotContain("Unhandled exception", result.Output);
    }

    [Fact]
    public async Task A_feedback_file_that_is_not_a_database_stops_the_server_naming_the_key_and_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"qabot-not-a-db-{Guid.NewGuid():N}.db");
        await File.WriteAllTextAsync(path, "plain text, not SQLite");
        try
        {
            var result = await RunServerAsync($"Feedback__Path={path}");

            Assert.Equal(2, result.ExitCode);
            var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.StartsWith($"Configuration error: QaBot:Feedback:Path: {path} is not a SQLite database", line);
            Assert.DoesNotMatch(StackFrame, result.Output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_locked_feedback_file_stops_the_server_naming_the_key_and_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"qabot-locked-{Guid.NewGuid():N}.db");
        try
        {
            // Another process's exclusive lock, held for the whole start-up.
            using (var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
            {
                holder.Open();
                using var command = holder.CreateCommand();
                command.CommandText = "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; CREATE TABLE held (x);";
                command.ExecuteNonQuery();

                var result = await RunServerAsync($"Feedback__Path={path};Feedback__BusyTimeout=00:00:01");

                Assert.Equal(2, result.ExitCode);
                var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                Assert.StartsWith($"Configuration error: QaBot:Feedback:Path: {path} is locked by another process", line);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Runs the server with <c>QaBot__</c> + each <c>key=value</c> of <paramref name="settings"/>; it should stop by itself.</summary>
    private static Task<ProcessResult> RunServerAsync(string settings, params string[] arguments) => RunServerAtAsync("http://127.0.0.1:0", settings, arguments);

    private static Task<ProcessResult> RunServerAtAsync(string urls, string settings, params string[] arguments)
    {
        var environment = settings.Split(';').Select(s => s.Split('=', 2)).ToDictionary(kv => "QaBot__" + kv[0], kv => kv[1]);
        environment["ASPNETCORE_URLS"] = urls;
        return ProcessRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "QaBot.Server.dll"), .. arguments], TimeSpan.FromSeconds(60), environment);
    }
}
