using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CoSellNet.Protocol;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>Secrets handed out by a real node never reach its logs or its database in plain text; oversized bodies are refused.</summary>
public sealed class SecretsTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Keys_and_invitation_tokens_appear_in_neither_logs_nor_database()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-secrets");
        await using var node = await NodeProcess.StartAsync(cs, "e2e-" + Guid.NewGuid().ToString("N")[..12]);
        var op = node.Client(node.OperatorKey);
        var secrets = new List<string> { node.OperatorKey! };

        var invitation = (await (await op.PostAsJsonAsync(Routes.Invitations, new InvitationRequest("Secretive"), Json))
            .Content.ReadFromJsonAsync<CreatedInvitation>(Json))!;
        secrets.Add(invitation.Token);
        var created = (await (await node.Client().PostAsJsonAsync(Routes.RedeemInvitation,
            new RedeemInvitation(invitation.Token, new PartnerRegistration("Secretive", $"secretive-{Guid.NewGuid():N}"[..22] + ".com", PartnerType.Influence)), Json))
            .Content.ReadFromJsonAsync<PartnerCreated>(Json))!;
        secrets.Add(created.ApiKey.Secret);
        var partner = node.Client(created.ApiKey.Secret);
        var extra = (await (await partner.PostAsJsonAsync(Routes.Keys, new ApiKeyRequest("extra", [ApiKeyScope.Read]), Json))
            .Content.ReadFromJsonAsync<CreatedApiKey>(Json))!;
        secrets.Add(extra.Secret);
        // Failed attempts with the secrets, too, must not be logged.
        await node.Client(extra.Secret + "x").GetAsync(Routes.Me);
        await node.Client().PostAsJsonAsync(Routes.RedeemInvitation, new RedeemInvitation(invitation.Token, new PartnerRegistration("Again", "again-secretive.com", PartnerType.Vendor)), Json);

        var dump = await DumpDatabase(cs);
        foreach (var secret in secrets)
        {
            var secretPart = secret[(secret.LastIndexOf('_', secret.Length - 20) + 1)..];
            Assert.DoesNotContain(secretPart, node.Output);
            Assert.DoesNotContain(secretPart, dump);
        }
    }

    [Fact]
    public async Task An_oversized_body_is_413_problem_details()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-size");
        await using var node = await NodeProcess.StartAsync(cs, "e2e-" + Guid.NewGuid().ToString("N")[..12]);
        var huge = new StringContent("{\"name\":\"" + new string('x', 2 << 20) + "\"}", Encoding.UTF8, "application/json");
        var response = await node.Client(node.OperatorKey).PostAsync(Routes.Partners, huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Every text and binary column of every table, as text (bytea as escaped UTF-8, so stored strings show).</summary>
    internal static async Task<string> DumpDatabase(string connectionString)
    {
        var dump = new StringBuilder();
        await using var db = NpgsqlDataSource.Create(connectionString);
        var tables = new List<string>();
        await using (var cmd = db.CreateCommand("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog','information_schema') AND table_type = 'BASE TABLE'"))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        foreach (var table in tables)
        {
            await using var cmd = db.CreateCommand($"SELECT * FROM {table}");
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    if (reader.IsDBNull(i)) continue;
                    var value = reader.GetValue(i);
                    dump.Append(value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : value.ToString()).Append('\n');
                }
        }
        return dump.ToString();
    }
}
