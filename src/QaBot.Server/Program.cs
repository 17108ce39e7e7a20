using Microsoft.Extensions.Options;
using QaBot;
using QaBot.Channels.BotFramework;
using QaBot.Channels.DirectLine;
using QaBot.Channels.Slack;
using QaBot.Configuration;
using QaBot.Ingestion;
using QaBot.Logging;
using QaBot.Server;
using QaBot.Turns;

// -v / --verbose adds the stack trace to a start-up error; it is not a configuration key, so the builder does not see it.
var verbose = args.Any(a => a is "-v" or "--verbose");
args = [.. args.Where(a => a is not ("-v" or "--verbose"))];

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    // appsettings.json of the working folder (the repository root) wins; else the copy next to the binary.
    ContentRootPath = File.Exists("appsettings.json") ? Environment.CurrentDirectory : AppContext.BaseDirectory,
});
// Bot Framework's conventional port, unless --urls or ASPNETCORE_URLS says otherwise.
var urls = builder.Configuration["urls"];
if (urls is null) builder.WebHost.UseUrls("http://localhost:3978");

builder.Logging.AddQaBotConsole();
// A failure to start listening is reported below as one line; the host's own report of it is a stack trace (-v shows it).
var listening = false;
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => (listening && level >= LogLevel.Information) || verbose || level >= LogLevel.Critical);
// With -v (or in Development) QaBot logs its details too, such as the stack trace behind a one-line failure.
if (verbose || builder.Environment.IsDevelopment()) builder.Logging.AddFilter("QaBot", LogLevel.Debug);

WebApplication app;
try
{
    builder.Services.AddProblemDetails();
    builder.Services.AddExceptionHandler<StateUnavailableHandler>();
    builder.AddQaBotRateLimiting();
    builder.AddQaBotTelemetry();
    builder.Services.AddQaBot(builder.Configuration).AddQaBotStartupIngestion();
    builder.Services.AddBotFrameworkChannel(builder.Configuration);
    builder.Services.AddDirectLineChannel(builder.Configuration);
    builder.Services.AddSlackChannel(builder.Configuration);
    app = builder.Build();
    // Every setting is checked before anything reads one, so a bad key stops the server as one line naming it.
    app.Services.GetRequiredService<IStartupValidator>().Validate();
}
catch (Exception ex) when (ConfigurationErrors.Describe(ex) is { } problems)
{
    ConfigurationErrors.Write(Console.Error, problems);
    if (verbose || builder.Environment.IsDevelopment()) Console.Error.WriteLine(ex);
    return 2;
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCors(); // endpoint policies, e.g. the Direct Line allow-list (QaBot:DirectLine:AllowedOrigins)
app.UseRateLimiter();

// GET and HEAD, since uptime probes use either.
string[] probeMethods = [HttpMethods.Get, HttpMethods.Head];
app.MapMethods("/healthz", probeMethods, () => Results.Ok(new { status = "alive" }));
// Not ready while indexing, while the turn queue is full, and once stopping (every channel would refuse a question then).
app.MapMethods("/readyz", probeMethods, (IndexStatus index, TurnRunner turns) =>
    !index.IsReady ? Results.Json(new { status = index.Error is null ? "indexing" : "failed", error = index.Error }, statusCode: StatusCodes.Status503ServiceUnavailable)
    : turns.IsStopping ? Results.Json(new { status = "stopping", queuedTurns = turns.Queued }, statusCode: StatusCodes.Status503ServiceUnavailable)
    : turns.IsFull ? Results.Json(new { status = "busy", queuedTurns = turns.Queued }, statusCode: StatusCodes.Status503ServiceUnavailable)
    : Results.Ok(new { status = "ready", documents = index.Report!.Documents, passages = index.Report.Passages, queuedTurns = turns.Queued }));

app.MapBotFrameworkChannel();
app.MapDirectLineChannel();
app.MapSlackChannel();

var index = app.Services.GetRequiredService<IndexStatus>();
try
{
    await app.StartAsync();
    listening = true;
}
catch (Exception ex) when (ex is IOException or FormatException or ArgumentException or InvalidOperationException)
{
    // The address cannot be listened on: in use, malformed, https without a certificate, a port this user may not bind.
    Console.Error.WriteLine($"Could not listen on {urls ?? "http://localhost:3978 (the default)"}: {ex.Message.ReplaceLineEndings(" ")} Set ASPNETCORE_URLS (or --urls) to an address this process can use.");
    if (verbose) Console.Error.WriteLine(ex);
    return 2;
}
catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
{
    // SIGTERM or Ctrl-C while starting (a slow Redis, say): a stop like any other, not a crash.
    Console.Error.WriteLine("Stopped while starting, before listening.");
    return 0;
}

ListenAddresses.WarnAboutNames(app.Logger, urls ?? "");
await app.WaitForShutdownAsync();
// A corpus that could not be indexed stopped the server (StartupIngestion logged why): that is not a clean exit.
return index.Error is null ? 0 : 1;

/// <summary>Exposed for WebApplicationFactory-based tests.</summary>
public partial class Program;
