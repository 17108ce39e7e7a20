using QaBot;
using QaBot.Channels.BotFramework;
using QaBot.Channels.DirectLine;
using QaBot.Channels.Slack;
using QaBot.Ingestion;
using QaBot.Server;
using QaBot.Turns;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    // appsettings.json of the working folder (the repository root) wins; else the copy next to the binary.
    ContentRootPath = File.Exists("appsettings.json") ? Environment.CurrentDirectory : AppContext.BaseDirectory,
});
// Bot Framework's conventional port, unless --urls or ASPNETCORE_URLS says otherwise.
if (builder.Configuration["urls"] is null) builder.WebHost.UseUrls("http://localhost:3978");

builder.Services.AddProblemDetails();
builder.AddQaBotRateLimiting();
builder.AddQaBotTelemetry();
builder.Services.AddQaBot(builder.Configuration).AddQaBotStartupIngestion();
builder.Services.AddBotFrameworkChannel(builder.Configuration);
builder.Services.AddDirectLineChannel(builder.Configuration);
builder.Services.AddSlackChannel(builder.Configuration);

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCors(); // endpoint policies, e.g. the Direct Line allow-list (QaBot:DirectLine:AllowedOrigins)
app.UseRateLimiter();

app.MapGet("/healthz", () => Results.Ok(new { status = "alive" }));
// Not ready while indexing, and while the turn queue is full (every channel would refuse a question then).
app.MapGet("/readyz", (IndexStatus index, TurnRunner turns) => !index.IsReady
    ? Results.Json(new { status = index.Error is null ? "indexing" : "failed", error = index.Error }, statusCode: StatusCodes.Status503ServiceUnavailable)
    : turns.IsFull
        ? Results.Json(new { status = "busy", queuedTurns = turns.Queued }, statusCode: StatusCodes.Status503ServiceUnavailable)
        : Results.Ok(new { status = "ready", documents = index.Report!.Documents, passages = index.Report.Passages, queuedTurns = turns.Queued }));

app.MapBotFrameworkChannel();
app.MapDirectLineChannel();
app.MapSlackChannel();

app.Run();

/// <summary>Exposed for WebApplicationFactory-based tests.</summary>
public partial class Program;
