using BashuCloud.Silo;

var builder = Host.CreateApplicationBuilder(args);
builder.AddBashuSilo();
builder.AddBashuTelemetry();
await builder.Build().RunAsync();
