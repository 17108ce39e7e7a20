using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QaBot.LoadTest;

// qabot-load --Load:ServerDll=<QaBot.Server.dll> --Load:WorkingDirectory=<repo> --Load:CorpusPaths:0=seeds ... (see scripts/load)
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Logging.AddSimpleConsole(c => c.SingleLine = true);
builder.Services.AddOptions<LoadOptions>().BindConfiguration(LoadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton<LoadRunner>();
builder.Services.AddHttpClient(LoadRunner.HttpClientName)
    .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
    {
        // One pooled keep-alive connection per conversation in flight (plus headroom for /readyz), never more.
        MaxConnectionsPerServer = sp.GetRequiredService<IOptions<LoadOptions>>().Value.Concurrency + 4,
        UseProxy = false,
    })
    // Loopback never changes address, so the pool can live for the whole run instead of being rotated every 2 minutes.
    .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
    // Per-request log lines would cost the generator more CPU than the requests themselves.
    .RemoveAllLoggers();

using var host = builder.Build();
await host.StartAsync();
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var report = await host.Services.GetRequiredService<LoadRunner>().RunAsync(stop.Token);
report.WriteTable(Console.Out);
Console.WriteLine(report.ToJson());
var reportPath = host.Services.GetRequiredService<IOptions<LoadOptions>>().Value.ReportPath;
if (reportPath is not null) await File.WriteAllTextAsync(reportPath, report.ToJson());
await host.StopAsync();
return report.Passed ? 0 : 1;
