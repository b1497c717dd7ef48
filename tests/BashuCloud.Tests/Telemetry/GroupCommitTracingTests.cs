using System.Collections.Concurrent;
using System.Diagnostics;
using BashuCloud.Storage;
using BashuCloud.Telemetry;

namespace BashuCloud.Tests.Telemetry;

/// <summary>
/// The group commit writes many grains' changes in one statement, on a writer of its own: traced, each batch runs under
/// a span in the trace of its first write, linked to the others, and its statement lands there (real PostgreSQL).
/// </summary>
public sealed class GroupCommitTracingTests : IAsyncLifetime, IAsyncDisposable
{
    private const int Writes = 20;
    private readonly ActivitySource _requests = new("BashuCloud.Tests.GroupCommitRequests");
    private readonly ConcurrentBag<Activity> _stopped = [];
    private ActivityListener _listener = null!;
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is TelemetryNames.StorageActivitySource or "Npgsql" || source == _requests,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        _requests.Dispose();
        await _database.DisposeAsync();
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Every_traced_write_leads_to_the_batch_that_committed_it_and_the_batch_statement_is_in_the_first_writes_trace()
    {
        await using var commit = new GroupCommit(_database.DataSource, "telemetry-tests", writers: 1, maxBatch: 64);
        var requests = new List<ActivityContext>();
        var written = new List<Task<int?>>();
        for (var i = 0; i < Writes; i++)
        {
            // One trace per write, as if each came from another request; queued while the first batch commits.
            using var request = _requests.StartActivity("request", ActivityKind.Server, parentContext: default)!;
            requests.Add(request.Context);
            written.Add(commit.WriteAsync("telemetry", $"grain-{i}", expectedVersion: null, payload: "{}"));
        }
        Assert.All(await Task.WhenAll(written), version => Assert.Equal(1, version));

        var ours = requests.Select(r => r.SpanId).ToHashSet();
        var batches = _stopped.Where(a => a.Source.Name == TelemetryNames.StorageActivitySource && ours.Contains(a.ParentSpanId)).ToList();
        // Each write's span is the parent of one batch or linked from one, never both, never twice.
        var reached = batches.SelectMany(b => b.Links.Select(l => l.Context.SpanId).Prepend(b.ParentSpanId)).ToList();
        Assert.Equal(ours.OrderBy(s => s.ToHexString()), reached.OrderBy(s => s.ToHexString()));
        Assert.Contains(batches, b => b.Links.Any());
        foreach (var batch in batches)
        {
            Assert.Equal("grain_state commit", batch.DisplayName);
            Assert.Equal(requests.Single(r => r.SpanId == batch.ParentSpanId).TraceId, batch.TraceId);
            Assert.Contains(_stopped, a => a.Source.Name == "Npgsql" && a.ParentSpanId == batch.SpanId && a.TraceId == batch.TraceId);
        }
    }
}
