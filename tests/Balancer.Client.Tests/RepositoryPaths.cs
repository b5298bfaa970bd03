namespace Balancer.Client.Tests;

/// <summary>Where the repository's files are, for tests that read sources, docs or samples.</summary>
internal static class RepositoryPaths
{
    /// <summary>The repository root: the folder above the test's output that holds <c>Balancer.Client.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Balancer.Client.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Balancer.Client.sln) was not found above " + AppContext.BaseDirectory);
    }
}
