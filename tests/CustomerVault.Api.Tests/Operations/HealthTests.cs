using System.Net;
using CustomerVault.Api.Tests.Support;
using Npgsql;

namespace CustomerVault.Api.Tests.Operations;

public sealed class HealthTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Live_and_ready_answer_200_while_the_database_is_reachable()
    {
        using var client = app.CreateApiClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task There_is_no_metrics_endpoint_unless_an_operator_turns_it_on()
    {
        using var client = app.CreateApiClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics")).StatusCode);
    }
}

public sealed class ReadinessWithoutDatabaseTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Ready_answers_503_when_the_database_is_gone_while_live_stays_200()
    {
        using var client = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

        var database = new NpgsqlConnectionStringBuilder(app.ConnectionString).Database!;
        var server = await TestDatabase.ServerAsync();
        await using (var admin = new NpgsqlConnection(server.ConnectionString("postgres").ConnectionString))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE \"{database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        NpgsqlConnection.ClearAllPools();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }
}
