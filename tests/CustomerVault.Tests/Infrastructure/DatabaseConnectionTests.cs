using System.Net.Sockets;
using CustomerVault.Infrastructure.Database;
using Npgsql;

namespace CustomerVault.Tests.Infrastructure;

public sealed class DatabaseConnectionTests
{
    private const string Cluster = "Host=db1:5432,db2:5432,db3:5432;Database=customervault;Username=vault";

    [Fact]
    public void GivenSeveralHosts_WhenTuned_ThenTheVaultConnectsToTheMemberThatAcceptsWrites_AndRechecksRolesQuickly()
    {
        var tuned = new NpgsqlConnectionStringBuilder(VaultDatabase.Tuned(Cluster));

        Assert.Equal("read-write", tuned.TargetSessionAttributes);
        Assert.Equal(2, tuned.HostRecheckSeconds);
        Assert.Equal("db1:5432,db2:5432,db3:5432", tuned.Host);
    }

    [Fact]
    public void GivenSeveralHostsWithTheirOwnSettings_WhenTuned_ThenTheirSettingsStay()
    {
        var tuned = new NpgsqlConnectionStringBuilder(VaultDatabase.Tuned(Cluster + ";Target Session Attributes=primary;Host Recheck Seconds=5;Max Auto Prepare=0"));

        Assert.Equal("primary", tuned.TargetSessionAttributes);
        Assert.Equal(5, tuned.HostRecheckSeconds);
        Assert.Equal(0, tuned.MaxAutoPrepare);
    }

    [Fact]
    public void GivenOneHost_WhenTuned_ThenNoSessionAttributesAreImposed()
    {
        var tuned = new NpgsqlConnectionStringBuilder(VaultDatabase.Tuned("Host=db1;Database=customervault"));

        Assert.Null(tuned.TargetSessionAttributes);
        Assert.Equal(64, tuned.MaxAutoPrepare);
        Assert.True(tuned.NoResetOnClose);
    }

    [Fact]
    public async Task GivenSeveralHosts_WhenTheReadDataSourceIsMade_ThenItIsAnOrdinaryPoolOnTheWritableMember()
    {
        // Npgsql refuses multiplexing across hosts: forcing it would stop the vault at start-up.
        await using var reads = ReadDataSource.Create(Cluster);

        var settings = new NpgsqlConnectionStringBuilder(reads.DataSource.ConnectionString);
        Assert.IsType<NpgsqlMultiHostDataSource>(reads.DataSource);
        Assert.False(settings.Multiplexing);
        Assert.Equal("read-write", settings.TargetSessionAttributes);
    }

    [Fact]
    public async Task GivenOneHost_WhenTheReadDataSourceIsMade_ThenItIsMultiplexed()
    {
        await using var reads = ReadDataSource.Create("Host=db1;Database=customervault");

        Assert.True(new NpgsqlConnectionStringBuilder(reads.DataSource.ConnectionString).Multiplexing);
    }

    public static TheoryData<Exception> Unavailable => new()
    {
        new NpgsqlException("Exception while reading from stream", new IOException("Connection reset by peer")),
        new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused)),
        new NpgsqlException("Unable to connect to a suitable host. Check inner exception for more details.",
            new AggregateException(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)))),
        Server(PostgresErrorCodes.AdminShutdown),
        Server(PostgresErrorCodes.CannotConnectNow),
        Server(PostgresErrorCodes.ReadOnlySqlTransaction),
        Server(PostgresErrorCodes.ConnectionFailure),
        new InvalidOperationException("A transient failure (EF Core)", new NpgsqlException("Failed", new TimeoutException())),
    };

    [Theory]
    [MemberData(nameof(Unavailable))]
    public void GivenAFailureOfTheConnection_ThenTheDatabaseIsUnavailable(Exception failure) =>
        Assert.True(DatabaseFailures.IsUnavailable(failure), failure.ToString());

    public static TheoryData<Exception> NotUnavailable => new()
    {
        Server(PostgresErrorCodes.UniqueViolation),
        Server(PostgresErrorCodes.RaiseException),
        Server(PostgresErrorCodes.SerializationFailure),
        new InvalidOperationException("A bug"),
        new InvalidOperationException("Wrapped", Server(PostgresErrorCodes.SyntaxError)),
    };

    [Theory]
    [MemberData(nameof(NotUnavailable))]
    public void GivenAFailureOfTheWorkItself_ThenTheDatabaseIsNotCalledUnavailable(Exception failure) =>
        Assert.False(DatabaseFailures.IsUnavailable(failure), failure.ToString());

    private static PostgresException Server(string sqlState) => new("message", "ERROR", "ERROR", sqlState);
}
