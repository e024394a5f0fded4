using CoSellNet.Api.Hosting;

// One process type, many nodes: each node is an Orleans silo that also serves the REST API.
// `cosellnet-node migrate` applies the database schema and exits.
var builder = WebApplication.CreateBuilder(args);
if (args is ["migrate", ..])
{
    await NodeHosting.MigrateAsync(builder.Configuration);
    return;
}

builder.AddCoSellNetNode();
builder.AddCoSellNetApi();

var app = builder.Build();
app.MapCoSellNetApi();
await app.RunAsync();

/// <summary>The node's entry point; public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program;
