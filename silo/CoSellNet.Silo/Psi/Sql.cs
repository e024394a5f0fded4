using Npgsql;

namespace CoSellNet.Silo.Psi;

internal static class Sql
{
    /// <summary>A batch command with positional parameters ($1, $2, ...) in order.</summary>
    public static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }
}
