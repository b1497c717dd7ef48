using BashuCloud.Cli;

// 巴蜀科技云 admin CLI, run through ./bashu: migrate | seed.
return await Commands.RunAsync(args);
