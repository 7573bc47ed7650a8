using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CustomerVault.Identity;

/// <summary>A customer's account: how she signs in. Her data lives in the vault, under the same id.</summary>
public sealed class VaultUser : IdentityUser<Guid>;

/// <summary>
/// Accounts (ASP.NET Core Identity), OAuth clients, authorizations and tokens (OpenIddict) and the Data
/// Protection key ring, in their own schema of the vault's database. Changed only through EF Core migrations
/// (Identity/Migrations): EnsureCreated would do nothing in a database that already holds the event store.
/// </summary>
public sealed class IdentityStore(DbContextOptions<IdentityStore> options)
    : IdentityDbContext<VaultUser, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    public const string Schema = "identity";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasDefaultSchema(Schema);
    }
}

/// <summary>Lets 'dotnet ef migrations add' build the model without starting the vault or a database.</summary>
public sealed class IdentityStoreDesignTimeFactory : IDesignTimeDbContextFactory<IdentityStore>
{
    public IdentityStore CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<IdentityStore>()
            .UseNpgsql("Host=localhost", o => o.MigrationsHistoryTable("__EFMigrationsHistory", IdentityStore.Schema))
            .UseOpenIddict()
            .Options);
}
