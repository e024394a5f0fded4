using System.Runtime.ExceptionServices;

namespace CoSellNet.Cli.Output;

/// <summary>
/// Two halves of one piece of work at once: cosell's long commands (overlaps of 200,000) otherwise
/// keep one core of a two-core machine busy and leave the other idle.
/// </summary>
internal static class TwoCores
{
    /// <summary>
    /// Runs <paramref name="first"/> on this thread and <paramref name="second"/> on the thread pool at
    /// the same time; returns when both have ended, and then throws the first failure as it was.
    /// </summary>
    public static void Run(Action first, Action second)
    {
        var other = Task.Run(second);
        Exception? failed = null;
        try
        {
            first();
        }
        catch (Exception e)
        {
            failed = e;
        }
        try
        {
            other.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            failed ??= e;
        }
        if (failed is not null) ExceptionDispatchInfo.Throw(failed);
    }
}
