package main

import (
	"io"

	"github.com/urfave/cli/v2"
)

// bashCompletion completes commands, subcommands and flags by asking the
// analyst being completed (the command line's first word) for them.
const bashCompletion = `# bash completion for analyst: eval "$(analyst completion bash)"
_analyst_complete() {
	local cur="${COMP_WORDS[COMP_CWORD]}" words
	if [[ "$cur" == -* ]]; then
		words=$("${COMP_WORDS[@]:0:COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
	else
		words=$("${COMP_WORDS[@]:0:COMP_CWORD}" --generate-bash-completion 2>/dev/null)
	fi
	local IFS=$'\n'
	COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o bashdefault -o default -F _analyst_complete analyst
`

// zshCompletion does the same for zsh, with each command's usage shown.
const zshCompletion = `#compdef analyst
# zsh completion for analyst: eval "$(analyst completion zsh)", or save it
# as _analyst in a directory of $fpath.
_analyst() {
	local -a opts
	local cur=${words[-1]}
	if [[ "$cur" == -* ]]; then
		opts=("${(@f)$(_CLI_ZSH_AUTOCOMPLETE_HACK=1 ${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
	else
		opts=("${(@f)$(_CLI_ZSH_AUTOCOMPLETE_HACK=1 ${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
	fi
	if [[ "${opts[1]}" != "" ]]; then
		_describe 'values' opts
	else
		_files
	fi
}
if [[ "$(basename -- ${(%):-%x})" != "_analyst" ]]; then
	compdef _analyst analyst
fi
`

func completionCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Description: `Prints a script that completes analyst's commands, subcommands and flags.

Examples:
  eval "$(analyst completion bash)"         in ~/.bashrc
  eval "$(analyst completion zsh)"          in ~/.zshrc (after compinit)
  analyst completion fish > ~/.config/fish/completions/analyst.fish`,
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return usageErr("analyst completion bash (or zsh, fish)", "completion needs one shell name")
			}
			switch shell := c.Args().First(); shell {
			case "bash":
				io.WriteString(env.stdout, bashCompletion)
			case "zsh":
				io.WriteString(env.stdout, zshCompletion)
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return failErr(err, "", "writing the fish script: %v", err)
				}
				io.WriteString(env.stdout, s)
			default:
				return usageErr("analyst completion bash (or zsh, fish)", "no completion for shell %q", shell)
			}
			return nil
		},
	}
}
