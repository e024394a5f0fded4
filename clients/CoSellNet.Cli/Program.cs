using CoSellNet.Cli.App;

return await CliApp.RunAsync(args, CliEnvironment.FromProcess());
