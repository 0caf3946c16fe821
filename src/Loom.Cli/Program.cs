using Loom.Cli;

return CliApp.Run(args);
