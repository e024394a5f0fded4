using CoSellNet.Silo.Keys;

namespace CoSellNet.Api.Hosting;

/// <summary>
/// On the very first start of a network, creates the operator key and shows it once: on the
/// console (never through the logger, so it stays out of log sinks) and, if configured, in a
/// file only the owner can read. Later starts, on any node, find the key ring filled and do nothing.
/// </summary>
internal sealed class OperatorKeyBootstrap(IGrainFactory grains, NodeOptions node, ILogger<OperatorKeyBootstrap> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        var created = await grains.GetGrain<IKeyRingGrain>(ApiKeyToken.Operator).CreateFirst("operator");
        if (created is null) return;
        if (node.OperatorKeyFile is { } path)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.WriteAllTextAsync(path, "", ct);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await File.WriteAllTextAsync(path, created.Secret + "\n", ct);
        }
        Console.WriteLine();
        Console.WriteLine("  This network's operator key (shown once; store it safely, it is not kept in plain text):");
        Console.WriteLine($"    {created.Secret}");
        Console.WriteLine();
        log.LogInformation("Created the operator key {KeyId} on first start", created.Key.Id);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
