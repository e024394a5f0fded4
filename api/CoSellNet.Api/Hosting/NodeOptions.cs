namespace CoSellNet.Api.Hosting;

/// <summary>
/// Where this node listens and which cluster it joins (configuration section <c>Node</c>).
/// <see cref="Instance"/> offsets every default port so several nodes can run on one machine.
/// </summary>
public sealed class NodeOptions
{
    public const string Section = "Node";

    public int Instance { get; set; }
    public string ClusterId { get; set; } = "cosellnet-local";
    public string ServiceId { get; set; } = "cosellnet";
    public int? SiloPort { get; set; }
    public int? GatewayPort { get; set; }
    public int? HttpPort { get; set; }
    /// <summary>The address other silos reach this one on. Loopback suits a cluster on one machine.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
    /// <summary>The address the HTTP API binds to; set 0.0.0.0 to serve other machines.</summary>
    public string HttpAddress { get; set; } = "127.0.0.1";
    /// <summary>Apply pending schema migrations before the silo starts (under an advisory lock, so concurrent nodes are safe).</summary>
    public bool MigrateOnStart { get; set; } = true;
    /// <summary>Where to write the operator key at first start (mode 0600), besides printing it once.</summary>
    public string? OperatorKeyFile { get; set; }
    /// <summary>Largest JSON request body accepted.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1 << 20;

    public int EffectiveSiloPort => SiloPort ?? 11111 + Instance;
    public int EffectiveGatewayPort => GatewayPort ?? 30000 + Instance;
    public int EffectiveHttpPort => HttpPort ?? 5080 + Instance;
}
