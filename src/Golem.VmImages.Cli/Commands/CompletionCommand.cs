using System.CommandLine;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi completion bash|zsh|fish|pwsh</c>: prints a shell script that completes gvmi's commands and options.
/// The script asks gvmi itself (System.CommandLine's <c>[suggest:POSITION]</c> directive), so it always matches the
/// installed version and needs no other tool. This is the definition with its action.
/// </summary>
internal sealed class CompletionCommand : Command
{
    public CompletionCommand()
        : base(
            "completion",
            "Print a shell completion script. bash: `source <(gvmi completion bash)`; zsh: `source <(gvmi completion zsh)`; fish: `gvmi completion fish | source`; pwsh: `gvmi completion pwsh | Out-String | Invoke-Expression`.")
    {
        Shell.AcceptOnlyFromAmong("bash", "zsh", "fish", "pwsh");
        Arguments.Add(Shell);
        Action = new CompletionAction(this);
    }

    public Argument<string> Shell { get; } = new("SHELL") { Description = "The shell: bash, zsh, fish or pwsh." };

    public static Command Create() => new CompletionCommand();

    /// <summary>Runs <c>gvmi completion</c>: prints the script for the shell.</summary>
    private sealed class CompletionAction(CompletionCommand command) : GvmiAction
    {
        protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            await Output(parseResult).WriteAsync(Script(parseResult.GetRequiredValue(command.Shell)).AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }

    private static string Script(string shell) => shell switch
    {
        "bash" => """
            # gvmi completion for bash: source <(gvmi completion bash)
            _gvmi_complete() {
                local IFS=$'\n'
                COMPREPLY=($(compgen -W "$(gvmi "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
            }
            complete -o default -F _gvmi_complete gvmi

            """,
        "zsh" => """
            # gvmi completion for zsh: source <(gvmi completion zsh)
            _gvmi_complete() {
                local -a candidates
                candidates=("${(@f)$(gvmi "[suggest:${#BUFFER[1,CURSOR]}]" "${BUFFER}" 2>/dev/null)}")
                compadd -- $candidates
            }
            compdef _gvmi_complete gvmi

            """,
        "fish" => """
            # gvmi completion for fish: gvmi completion fish | source
            complete -c gvmi -f -a '(gvmi "[suggest:"(string length -- (commandline -cp))"]" (commandline -p) 2>/dev/null)'

            """,
        _ => """
            # gvmi completion for PowerShell: gvmi completion pwsh | Out-String | Invoke-Expression
            Register-ArgumentCompleter -Native -CommandName gvmi -ScriptBlock {
                param($wordToComplete, $commandAst, $cursorPosition)
                gvmi "[suggest:$cursorPosition]" "$commandAst" 2>$null | ForEach-Object {
                    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
                }
            }

            """,
    };
}
