namespace QaBot.TestSupport;

/// <summary>
/// QaBot's command-line programs as the build left them (a test project references them with
/// <c>ReferenceOutputAssembly="false"</c> so they are built first), in the test's own configuration, run as real processes.
/// </summary>
public static class BuiltTools
{
    /// <summary>The dotnet host that runs the tests, so a tool runs on the same runtime.</summary>
    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>The qabot CLI.</summary>
    public static string CliDll => Locate(Path.Combine("src", "QaBot.Cli"), "qabot.dll");

    /// <summary>The load tool (scripts/load runs its Release build).</summary>
    public static string LoadToolDll => Locate(Path.Combine("tools", "QaBot.LoadTest"), "qabot-load.dll");

    /// <summary>
    /// Runs the CLI from the repository root, as a user would (appsettings.json there), with only the settings the test
    /// gives as variables (<c>QaBot__Feedback__Path</c>); a copy next to the tests would not run, since the test
    /// project's framework references replace assemblies that qabot.deps.json expects.
    /// </summary>
    public static Task<ProcessResult> RunCliAsync(params string[] arguments) => RunCliAsync(new Dictionary<string, string>(), arguments);

    /// <inheritdoc cref="RunCliAsync(string[])"/>
    public static Task<ProcessResult> RunCliAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        ProcessRunner.RunAsync(DotnetHost, [CliDll, .. arguments], TimeSpan.FromSeconds(60), environment, RepositoryPaths.Root);

    /// <summary>As <see cref="RunCliAsync(string[])"/>, with <paramref name="input"/> piped to its standard input.</summary>
    public static Task<ProcessResult> PipeToCliAsync(string input, params string[] arguments) =>
        ProcessRunner.RunAsync(DotnetHost, [CliDll, .. arguments], TimeSpan.FromSeconds(60), null, RepositoryPaths.Root, input: input);

    /// <summary>As <see cref="RunCliAsync(IReadOnlyDictionary{string, string}, string[])"/>, with Ctrl-C (SIGINT) <paramref name="after"/> the start.</summary>
    public static Task<ProcessResult> InterruptCliAsync(IReadOnlyDictionary<string, string> environment, TimeSpan after, params string[] arguments) =>
        ProcessRunner.RunAsync(DotnetHost, [CliDll, .. arguments], TimeSpan.FromSeconds(60), environment, RepositoryPaths.Root, after);

    /// <summary>
    /// As <see cref="RunCliAsync(IReadOnlyDictionary{string, string}, string[])"/>, as a user whom file modes bind: the tests'
    /// own user, or, when the tests run as root (whom they do not stop), <c>nobody</c> under setpriv. Skips the calling
    /// <c>[SkippableFact]</c> when root has no setpriv.
    /// </summary>
    public static Task<ProcessResult> RunCliAsUnprivilegedUserAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        if (GetEffectiveUserId() != 0) return RunCliAsync(environment, arguments);
        const string SetPriv = "/usr/bin/setpriv";
        Skip.IfNot(File.Exists(SetPriv), $"Not run: the tests run as root, and {SetPriv} (util-linux) is missing to run the CLI as another user.");
        // dotnet writes its first-run marker under HOME, which must be writable by nobody.
        var asNobody = new Dictionary<string, string>(environment) { ["HOME"] = Path.GetTempPath(), ["DOTNET_CLI_HOME"] = Path.GetTempPath() };
        return ProcessRunner.RunAsync(SetPriv, ["--reuid=65534", "--regid=65534", "--clear-groups", DotnetHost, CliDll, .. arguments], TimeSpan.FromSeconds(60), asNobody, RepositoryPaths.Root);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();

    /// <summary><paramref name="dll"/> in <paramref name="project"/>'s bin folder, under the same configuration/framework/runtime path as the tests'.</summary>
    private static string Locate(string project, string dll)
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory);
        while (bin is not null && bin.Name != "bin") bin = bin.Parent;
        if (bin is null) throw new InvalidOperationException($"The tests do not run from a bin folder: {AppContext.BaseDirectory}");
        var path = Path.Combine(RepositoryPaths.Root, project, "bin", Path.GetRelativePath(bin.FullName, AppContext.BaseDirectory), dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} was not built at {path}; the test project must reference {project}.", path);
    }
}
