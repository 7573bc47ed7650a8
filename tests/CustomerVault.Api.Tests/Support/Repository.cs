namespace CustomerVault.Api.Tests.Support;

public static class Repository
{
    /// <summary>The repository's root folder (the one holding CustomerVault.sln).</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CustomerVault.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests run outside the repository: CustomerVault.sln was not found above " + AppContext.BaseDirectory);
    }
}
