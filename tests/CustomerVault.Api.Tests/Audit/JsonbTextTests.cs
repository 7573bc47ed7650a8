using System.Text.Json;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Audit;
using Npgsql;

namespace CustomerVault.Api.Tests.Audit;

/// <summary>
/// The hash chain covers PostgreSQL's text of the stored jsonb; an auditor over the API rebuilds that text from the
/// feed's JSON. Checked against PostgreSQL itself, after the JSON went through the feed's serializer.
/// </summary>
public sealed class JsonbTextTests
{
    [Theory]
    [InlineData("""{"b":1,"a":[1,2,{"cc":null,"c":true}],"aaa":"x","é":0,"zz":false}""")]
    [InlineData("""{"quote":"\"","backslash":"\\","slash":"\/","controls":"\u0001\u001f\b\f\n\r\t","del":"\u007f"}""")]
    [InlineData("""{"text":"Zoë Ångström 🔭 ‮ \u2028 日本語","key é":"","ключ":"значение"}""")]
    [InlineData("""{"numbers":[0,-1,1.50,1e2,1.5E-3,12345678901234567890,0.000001,-0.0]}""")]
    [InlineData("""{"empty":{},"list":[],"nested":[[],{},[{}]],"dup":1,"dup":2}""")]
    [InlineData("""["x", 1, true, null]""")]
    [InlineData("\"a string\"")]
    [InlineData("42")]
    [InlineData("null")]
    public async Task The_text_rebuilt_from_the_feeds_JSON_is_PostgreSQLs_own(string json)
    {
        var server = await TestDatabase.ServerAsync();
        await using var connection = new NpgsqlConnection(server.ConnectionString("postgres").ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT $1::jsonb::text", connection) { Parameters = { new() { Value = json } } };
        var stored = (string)(await command.ExecuteScalarAsync())!;

        // As the feed sends it (System.Text.Json escapes every non-ASCII character), and as an auditor's tool reads it.
        var sent = JsonSerializer.Serialize(JsonDocument.Parse(stored).RootElement);
        var received = JsonDocument.Parse(sent).RootElement;

        Assert.Equal(stored, JsonbText.Render(received));
    }
}
