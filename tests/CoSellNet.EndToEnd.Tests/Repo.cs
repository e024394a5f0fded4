namespace CoSellNet.EndToEnd.Tests;

/// <summary>Finds the repository and the built executables the end-to-end tests run for real.</summary>
public static class Repo
{
    public static readonly string Root = FindRoot();

    /// <summary>Debug or Release: whatever this test assembly was built as, so the node and CLI match it.</summary>
    public static readonly string Configuration =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    public static string NodeDll => Built("api/CoSellNet.Api", "cosellnet-node.dll");
    public static string CliDll => Built("clients/CoSellNet.Cli", "cosell.dll");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} is not built; run `dotnet build CoSellNet.sln -c {Configuration}` first.", path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CoSellNet.sln"))) return dir.FullName;
        throw new InvalidOperationException("CoSellNet.sln not found above " + AppContext.BaseDirectory);
    }
}
