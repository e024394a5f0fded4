using CoSellNet.Silo.Keys;

namespace CoSellNet.Api.Hosting;

/// <summary>
/// On the very first start of a network, creates the operator key and hands it over once: into a
/// file only the owner can read if one is configured, otherwise on the console (never through
/// the logger, so it stays out of log sinks). Later starts, on any node, find the key ring filled and do nothing.
/// </summary>
internal sealed class OperatorKeyBootstrap(IGrainFactory grains, NodeOptions node, ILogger<OperatorKeyBootstrap> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        var created = await grains.GetGrain<IKeyRingGrain>(ApiKeyToken.Operator).CreateFirst("operator");
        if (created is null) return;
        Console.WriteLine();
        if (node.OperatorKeyFile is { } path)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.WriteAllTextAsync(path, "", ct);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await File.WriteAllTextAsync(path, created.Secret + "\n", ct);
            Console.WriteLine($"  This network's operator key is in {Path.GetFullPath(path)} (owner-only). Store it safely and delete the file: the node keeps only its hash.");
        }
        else
        {
            Console.WriteLine("  This network's operator key (shown once; store it safely, the node keeps only its hash):");
            Console.WriteLine($"    {created.Secret}");
        }
        Console.WriteLine();
        log.LogInformation("Created the operator key {KeyId} on first start", created.Key.Id);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
