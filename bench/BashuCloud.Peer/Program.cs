using System.Globalization;
using System.Text.Json;
using Npgsql;

// The peer: listings as JSON rows in one table, read and updated with one statement per request (each its own
// durable transaction), optimistic concurrency by If-Match on a version column. No cluster, no cache, no change log,
// no audit trail, no read model: the least a plain service does for the same read and update.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var database = NpgsqlDataSource.Create(builder.Configuration.GetConnectionString("Peer")
    ?? throw new InvalidOperationException("ConnectionStrings:Peer is not set."));
builder.Services.AddSingleton(database);
var app = builder.Build();

await using (var create = database.CreateCommand("""
    CREATE TABLE IF NOT EXISTS peer_listing (
        id         text PRIMARY KEY,
        version    integer NOT NULL,
        payload    jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
    ) WITH (fillfactor = 80)
    """))
{
    await create.ExecuteNonQueryAsync();
}

app.MapGet("/health/live", () => "ok");

app.MapGet("/listings/{id}", async (string id, HttpContext http) =>
{
    await using var command = database.CreateCommand("SELECT payload::text, version FROM peer_listing WHERE id = $1");
    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
    await using var reader = await command.ExecuteReaderAsync();
    if (!await reader.ReadAsync()) return Results.NotFound();
    http.Response.Headers.ETag = Tag(reader.GetInt32(1));
    return Results.Text(reader.GetString(0), "application/json");
});

// The body is a partial listing (the fields to change), merged into the stored listing's content.
app.MapPut("/listings/{id}", async (string id, HttpContext http) =>
{
    if (!int.TryParse(http.Request.Headers.IfMatch.ToString().Trim('"'), CultureInfo.InvariantCulture, out var expected))
    {
        return Results.StatusCode(StatusCodes.Status428PreconditionRequired);
    }
    string changes;
    try
    {
        using var body = await JsonDocument.ParseAsync(http.Request.Body);
        if (body.RootElement.ValueKind != JsonValueKind.Object
            || (body.RootElement.TryGetProperty("title", out var title) && string.IsNullOrWhiteSpace(title.GetString())))
        {
            return Results.BadRequest();
        }
        changes = body.RootElement.GetRawText();
    }
    catch (JsonException)
    {
        return Results.BadRequest();
    }
    await using var command = database.CreateCommand("""
        UPDATE peer_listing
           SET version = version + 1, updated_at = now(),
               payload = payload || jsonb_build_object('content', (payload -> 'content') || $3::jsonb, 'version', version + 1)
         WHERE id = $1 AND version = $2
        RETURNING payload::text, version
        """);
    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
    command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = expected });
    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = changes, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
    await using var reader = await command.ExecuteReaderAsync();
    if (!await reader.ReadAsync()) return Results.StatusCode(StatusCodes.Status412PreconditionFailed);
    http.Response.Headers.ETag = Tag(reader.GetInt32(1));
    return Results.Text(reader.GetString(0), "application/json");
});

app.Run();

static string Tag(int version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";
