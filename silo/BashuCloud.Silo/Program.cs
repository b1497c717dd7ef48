using BashuCloud.Settings;
using BashuCloud.Silo;

// appsettings.json lives next to the binary, wherever the process is started from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
KnownSettings.RejectUnknown(builder.Configuration);
builder.AddBashuSilo();
builder.AddBashuTelemetry();
await builder.Build().RunAsync();
