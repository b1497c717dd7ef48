using BashuCloud.Bench;

// Issue #2's benchmark: durable listing writes through the grain against a pgbench upsert ceiling, and warm
// listing reads through the API against a constant endpoint of the same API process, all in one run.
return await Benchmark.RunAsync(BenchSettings.FromArgs(args));
