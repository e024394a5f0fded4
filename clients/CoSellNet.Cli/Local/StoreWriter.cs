namespace CoSellNet.Cli.Local;

/// <summary>
/// The writes of a sync, made one after another on a second connection to the local index, each on
/// a thread of its own: the accounts and an add's plan are stored while the first chunks are already
/// being blinded on the other threads. The sync's own connection only reads meanwhile (WAL: it never
/// waits for this one), and awaits a write wherever that write must be durable first (a plan before
/// its first chunk is sent). A write after a failed one is not made: it fails with the same error.
/// Writes may be asked for from several threads (a sync's upload and re-blinding run at once):
/// they are made in the order they were asked for.
/// </summary>
internal sealed class StoreWriter(LocalStore store) : IAsyncDisposable
{
    private readonly LocalStore connection = store.OpenAnother();
    private readonly Lock gate = new();
    private Task last = Task.CompletedTask;

    /// <summary>Makes <paramref name="write"/> once every earlier write is done; the task ends when it is committed.</summary>
    public Task Write(Action<LocalStore> write)
    {
        lock (gate) return last = After(last, write);
    }

    /// <summary>Every write asked for so far, done.</summary>
    public Task Flush()
    {
        lock (gate) return last;
    }

    private async Task After(Task previous, Action<LocalStore> write)
    {
        await previous.ConfigureAwait(false);
        // A thread of its own rather than the pool's: the pool's threads are all blinding, and a
        // write queued behind them would wait until they finish, which is what this is for to avoid.
        await Task.Factory.StartNew(() => write(connection), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
    }

    /// <summary>Waits for the writes under way (their failures are the awaiters' to report), then closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Flush().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            connection.Dispose();
        }
    }
}
