namespace CoSellNet.Cli.App;

/// <summary>What <c>cosell</c> exits with; scripts can rely on these.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The node failed, could not be reached, or something else went wrong.</summary>
    public const int Error = 1;
    /// <summary>The command line or its values were wrong (also a 400 from the node: invalid input).</summary>
    public const int Usage = 2;
    /// <summary>No key, a wrong or revoked key, or a key without the needed scope (401, 403).</summary>
    public const int Auth = 3;
    /// <summary>What was named does not exist, or no longer does (404, 410).</summary>
    public const int NotFound = 4;
    /// <summary>The request conflicts with the current state (409).</summary>
    public const int Conflict = 5;
    /// <summary>Interrupted (Ctrl+C).</summary>
    public const int Cancelled = 130;

    public static int ForStatus(int status) => status switch
    {
        400 or 413 or 415 or 422 => Usage,
        401 or 403 => Auth,
        404 or 410 => NotFound,
        409 => Conflict,
        _ => Error,
    };
}
