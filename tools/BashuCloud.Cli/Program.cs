using BashuCloud.Cli;

// 巴蜀科技云 admin CLI, run through ./bashu: migrate | seed | mirror.
return await Commands.RunAsync(args);
