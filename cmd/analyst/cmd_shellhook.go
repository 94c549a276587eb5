package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/journal"
)

// KindShell is the kind of a recorded shell command.
const kindShell = "shell"

// defaultShellCommands are the commands shell-hook records unless the config
// file's shell_commands says otherwise: the ones that change running
// systems, their configuration or their data.
var defaultShellCommands = []string{
	"kubectl", "helm", "terraform", "tofu", "aws", "gcloud", "az", "eb", "docker",
	"psql", "mysql", "export", "systemctl", "ansible-playbook",
}

// shellCommandName is what a name in shell_commands may look like: it is
// written into shell code, so nothing a shell would interpret.
var shellCommandName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.+-]*$`)

func shellHookCommand(env *environment) *cli.Command {
	snippet := func(shell string) *cli.Command {
		return &cli.Command{
			Name:  shell,
			Usage: "print the " + shell + " snippet",
			Action: func(c *cli.Context) error {
				s, err := env.shellSnippet(shell)
				if err != nil {
					return err
				}
				fmt.Fprint(env.stdout, s)
				return nil
			},
		}
	}
	return &cli.Command{
		Name:      "shell-hook",
		Usage:     "record risky shell commands (kubectl, terraform, export…) as you run them",
		ArgsUsage: "bash|zsh|fish",
		Description: `Prints a snippet for your shell's startup file. With it, each command line
that runs one of the listed commands (as its first word, after sudo, env,
time, nohup or VAR=value, or after ;, &&, ||, |) is recorded in the journal as an entry of kind "shell", with its
exit status, directory and time; secrets in it are masked. The matching
happens in the shell: analyst starts only for a listed command, in the
background, so the prompt does not wait, and a missing or failing analyst
changes nothing in the shell (no output, same $?).

The list is shell_commands in the config file (config.toml), by default:
  ` + strings.Join(defaultShellCommands, " ") + `
Print the snippet again after changing it. bash records what its history
keeps (a line left out by HISTCONTROL=ignorespace or ignoredups is not
recorded); zsh and fish skip lines that start with a space.

Examples:
  eval "$(analyst shell-hook bash)"                  in ~/.bashrc
  eval "$(analyst shell-hook zsh)"                   in ~/.zshrc
  analyst shell-hook fish | source                   in ~/.config/fish/config.fish
  analyst log --kind shell                           what was recorded`,
		Subcommands: []*cli.Command{
			snippet("bash"), snippet("zsh"), snippet("fish"),
			{
				Name:   "record",
				Usage:  "record one command line (what the snippet runs)",
				Hidden: true,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "shell", Usage: "the `SHELL` it ran in"},
					&cli.IntFlag{Name: "status", Usage: "its exit `STATUS`"},
					&cli.StringFlag{Name: "dir", Usage: "the `DIR` it ran in"},
				},
				Action: func(c *cli.Context) error {
					o := shellRecordOptions{line: strings.Join(c.Args().Slice(), " "), status: c.Int("status"),
						dir: c.String("dir"), shell: c.String("shell"), at: time.Now()}
					return runShellRecord(c.Context, env, o)
				},
			},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() == 0 {
				return usageErr(`eval "$(analyst shell-hook bash)" (or zsh, fish)`, "shell-hook needs a shell: bash, zsh or fish")
			}
			return usageErr("supported shells: bash, zsh, fish", "no shell hook for %q", c.Args().First())
		},
	}
}

// commandPrefix is what may come before a command's name and still run it:
// sudo (with -u USER or single-letter options), env, time, nohup, command,
// exec, and VAR=value assignments (AWS_PROFILE=prod aws …), each followed by
// blanks.
const commandPrefix = `(sudo([[:space:]]+-u[[:space:]]+[^[:space:]]+|[[:space:]]+-[A-Za-z]+)*|env|time|nohup|command|exec|[A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*)[[:space:]]+`

// shellCommandsPattern returns the extended regular expression (POSIX ERE,
// also valid for fish's PCRE and Go) that a command line must match to be
// recorded: a listed command as the line's first word, after a prefix that
// still runs it (commandPrefix), or after one of ; & | (.
func shellCommandsPattern(names []string) (string, error) {
	if len(names) == 0 {
		return "", usageErr("list at least one command in shell_commands, or remove the key for the defaults", "shell_commands is empty")
	}
	quoted := make([]string, 0, len(names))
	for _, n := range names {
		if !shellCommandName.MatchString(n) {
			return "", usageErr("a command name is letters, digits and . _ + -, e.g. kubectl", "invalid name %q in shell_commands", n)
		}
		quoted = append(quoted, strings.NewReplacer(".", `\.`, "+", `\+`).Replace(n))
	}
	return `(^|[;&|(])[[:space:]]*(` + commandPrefix + `)*(` + strings.Join(quoted, "|") + `)([[:space:]]|$)`, nil
}

// shellSnippet returns the text to source in shell: it bakes in the path of
// this program (falling back to analyst on PATH), --home when given, and
// the pattern of commands to record.
func (env *environment) shellSnippet(shell string) (string, error) {
	names := env.config.ShellCommands
	if names == nil {
		names = defaultShellCommands
	}
	re, err := shellCommandsPattern(names)
	if err != nil {
		return "", err
	}
	quote := shellQuote
	if shell == "fish" {
		quote = fishQuote
	}
	home := ""
	if env.homeGiven {
		home = " --home " + quote(env.home)
	}
	text := map[string]string{"bash": bashSnippet, "zsh": zshSnippet, "fish": fishSnippet}[shell]
	return strings.NewReplacer("@BIN@", quote(selfPath()), "@RE@", quote(re), "@HOME@", home).Replace(text), nil
}

// fishQuote quotes s for fish, whose single quotes know \' and \\.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// The snippets. Each keeps the shell's $? and prints nothing; analyst runs
// detached with its output discarded, only for a matching line.

// bashSnippet reads the line from history in PROMPT_COMMAND (put first, so it
// sees the command's $?; the rest of PROMPT_COMMAND runs after it with the
// same $?). HISTCMD tells whether a new line was entered since the last
// prompt; the first prompt only notes where history stands.
const bashSnippet = `# >>> analyst shell-hook >>>
# Records listed commands in the analyst journal ('analyst shell-hook --help').
__analyst_bin=@BIN@
__analyst_re=@RE@
__analyst_prompt() {
	local __analyst_s=$? __analyst_c
	if [[ ${HISTCMD-} == "${__analyst_hist-}" ]]; then return $__analyst_s; fi
	if [[ -z ${__analyst_hist+x} ]]; then __analyst_hist=${HISTCMD-}; return $__analyst_s; fi
	__analyst_hist=${HISTCMD-}
	__analyst_c=$(HISTTIMEFORMAT= builtin history 1 2>/dev/null) || return $__analyst_s
	__analyst_c=${__analyst_c#"${__analyst_c%%[![:space:]]*}"}
	__analyst_c=${__analyst_c#"${__analyst_c%%[![:digit:]]*}"}
	__analyst_c=${__analyst_c#\*}
	__analyst_c=${__analyst_c#"${__analyst_c%%[![:space:]]*}"}
	[[ $__analyst_c =~ $__analyst_re ]] || return $__analyst_s
	( {
		__analyst_b=$__analyst_bin
		[[ -x $__analyst_b ]] || __analyst_b=$(type -P analyst) || exit 0
		"$__analyst_b"@HOME@ shell-hook record --shell bash --status "$__analyst_s" --dir "$PWD" -- "$__analyst_c"
	} </dev/null >/dev/null 2>&1 & )
	return $__analyst_s
}
case ${PROMPT_COMMAND-} in
*__analyst_prompt*) ;;
*) PROMPT_COMMAND="__analyst_prompt${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
esac
# <<< analyst shell-hook <<<
`

// zshSnippet takes the line preexec is given and records it in precmd
// (first in precmd_functions, so it sees the command's $?).
const zshSnippet = `# >>> analyst shell-hook >>>
# Records listed commands in the analyst journal ('analyst shell-hook --help').
typeset -g __analyst_bin=@BIN@
typeset -g __analyst_re=@RE@
typeset -g __analyst_cmd=
__analyst_preexec() { __analyst_cmd=${1-} }
__analyst_precmd() {
	local __analyst_s=$?
	emulate -L zsh
	local __analyst_c=$__analyst_cmd MATCH MBEGIN MEND
	local -a match mbegin mend
	__analyst_cmd=
	[[ -n $__analyst_c && $__analyst_c != ' '* && $__analyst_c =~ $__analyst_re ]] || return $__analyst_s
	( {
		local b=$__analyst_bin
		[[ -x $b ]] || b=${commands[analyst]-}
		[[ -n $b ]] || exit 0
		"$b"@HOME@ shell-hook record --shell zsh --status $__analyst_s --dir "$PWD" -- "$__analyst_c"
	} </dev/null >/dev/null 2>&1 &! )
	return $__analyst_s
}
autoload -Uz add-zsh-hook
add-zsh-hook preexec __analyst_preexec
precmd_functions=(__analyst_precmd ${precmd_functions:#__analyst_precmd})
# <<< analyst shell-hook <<<
`

// fishSnippet records in the fish_postexec event, which gets the line and
// sees its $status. sh detaches analyst, so fish has no job to report.
const fishSnippet = `# >>> analyst shell-hook >>>
# Records listed commands in the analyst journal ('analyst shell-hook --help').
set -g __analyst_bin @BIN@
set -g __analyst_re @RE@
function __analyst_postexec --on-event fish_postexec
	set -l s $status
	set -l c $argv[1]
	if string match -q -- ' *' $c; or not string match -qr -- $__analyst_re $c
		return $s
	end
	set -l b $__analyst_bin
	if not test -x "$b"
		set b (command -s analyst); or return $s
	end
	command sh -c '"$@" </dev/null >/dev/null 2>&1 &' sh $b@HOME@ shell-hook record --shell fish --status $s --dir $PWD -- $c </dev/null >/dev/null 2>&1
	return $s
end
# <<< analyst shell-hook <<<
`

type shellRecordOptions struct {
	line   string
	status int
	dir    string
	shell  string
	at     time.Time
}

// runShellRecord records one command line. Like the post-commit hook's
// record it does only one durable insert: the shell is not waiting, but a
// quick exit keeps fewer processes about.
func runShellRecord(ctx context.Context, env *environment, o shellRecordOptions) error {
	if strings.TrimSpace(o.line) == "" {
		return usageErr("", "no command line to record")
	}
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	repo := ""
	if o.dir != "" {
		repos, err := j.Repos(ctx)
		if err != nil {
			return failErr(err, "", "%v", err)
		}
		repo = repoContaining(repos, o.dir)
	}
	text := strings.ToValidUTF8(o.line, "\uFFFD")
	e := journal.NewNote(text, kindShell, o.at, nil, repo, "")
	where := ""
	if o.dir != "" {
		where = " in " + o.dir
	}
	status := fmt.Sprintf("exit status %d%s", o.status, where)
	if e.Body != "" {
		status = e.Body + "\n\n" + status
	}
	e.Body = status
	e.Redact()
	e.Meta = journal.Meta{Source: "shell", Exit: &o.status, Dir: o.dir}
	if o.shell != "" {
		e.Tags = []string{o.shell}
	}
	if _, err := j.Add(ctx, e); err != nil {
		return storageErr(env, err, "recording shell command")
	}
	return nil
}

// repoContaining returns the name of the known repository whose work tree
// holds dir, the innermost when nested; empty if none.
func repoContaining(repos []journal.Repo, dir string) string {
	best, name := "", ""
	for _, r := range repos {
		if filepath.Base(r.Path) != ".git" {
			continue // bare: no work tree to be in
		}
		tree := filepath.Dir(r.Path)
		rel, err := filepath.Rel(tree, dir)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(os.PathSeparator)) {
			continue
		}
		if len(tree) > len(best) {
			best, name = tree, r.Name
		}
	}
	return name
}
