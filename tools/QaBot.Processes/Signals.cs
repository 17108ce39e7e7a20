using System.Runtime.InteropServices;

namespace QaBot.Processes;

/// <summary>Unix signals to another process: .NET itself can send only SIGKILL.</summary>
public static class Signals
{
    /// <summary>Ctrl-C.</summary>
    public const int Interrupt = 2;

    /// <summary>What a service manager or an orchestrator sends to stop a process gracefully.</summary>
    public const int Terminate = 15;

    /// <summary>Sends <paramref name="signal"/> to the process; false when it no longer exists.</summary>
    public static bool Send(int processId, int signal) => Kill(processId, signal) == 0;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
