namespace BashuCloud.Bench;

public sealed record BenchSettings(string ApiUrl, string Database, string ClusterId, int Seconds, int Concurrency, int Listings, string Output, string Command, string Only, int Import, int SearchListings, string PeerUrl, string[] SiloMetrics)
{
    public static BenchSettings FromArgs(string[] args)
    {
        string Option(string name, string fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }
        return new BenchSettings(
            Option("--api", "http://127.0.0.1:5080"),
            Option("--db", Environment.GetEnvironmentVariable("BASHU_DB") ?? "Host=127.0.0.1;Port=55434;Database=bashu;Username=bashu"),
            Option("--cluster", "bashu"),
            int.Parse(Option("--seconds", "15")),
            int.Parse(Option("--concurrency", "32")),
            int.Parse(Option("--listings", "1000")),
            Option("--out", "docs/benchmarks.md"),
            Option("--command", "./bashu bench"),
            Option("--only", "all"),
            int.Parse(Option("--import", "100000")),
            int.Parse(Option("--search-listings", "1000000")),
            Option("--peer", "http://127.0.0.1:5090"),
            Option("--silo-metrics", "").Split(',', StringSplitOptions.RemoveEmptyEntries));
    }
}
