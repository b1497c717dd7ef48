using BashuCloud.Cli;

// 巴蜀科技云 admin CLI, run through ./bashu: migrate | seed | rebuild-read-model | mirror.
return await Commands.RunAsync(args);
