package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/journal"
)

const (
	hookBegin = "# >>> analyst post-commit >>>"
	hookEnd   = "# <<< analyst post-commit <<<"
	// chainedSuffix names an existing non-shell hook that ours runs after.
	chainedSuffix = ".pre-analyst"
)

func hookCommand(env *environment) *cli.Command {
	repoFlag := &cli.StringFlag{Name: "repo", Usage: "the repository `PATH` (default: the current one)", Value: "."}
	return &cli.Command{
		Name:  "hook",
		Usage: "record every new commit as it is made (git post-commit hook)",
		Description: `'hook install' adds a post-commit hook that records each new commit in the
journal within milliseconds (embedding waits for the next 'analyst index'). It
never fails a commit, and it runs beside a hook you already have.

Examples:
  analyst hook install
  analyst hook install --repo ~/src/shop-api
  analyst hook uninstall`,
		Subcommands: []*cli.Command{
			{
				Name:  "install",
				Usage: "add the post-commit hook",
				Flags: []cli.Flag{repoFlag},
				Action: func(c *cli.Context) error {
					return runHookInstall(c.Context, env, c.String("repo"))
				},
			},
			{
				Name:  "uninstall",
				Usage: "remove the post-commit hook (leaving other hooks as they were)",
				Flags: []cli.Flag{repoFlag},
				Action: func(c *cli.Context) error {
					return runHookUninstall(c.Context, env, c.String("repo"))
				},
			},
			{
				Name:   "run",
				Usage:  "record the commit HEAD points at (what the hook runs)",
				Hidden: true,
				Flags:  []cli.Flag{repoFlag},
				Action: func(c *cli.Context) error {
					// Its stderr reaches the person committing: warnings
					// about risky changes, never its own failures.
					if err := runHookRecord(c.Context, env, c.String("repo")); err != nil {
						env.log.Debug("hook run failed", "err", err)
						return &userError{msg: err.Error(), code: exitFail, err: err, quiet: true}
					}
					return nil
				},
			},
			{
				Name:      "warn",
				Usage:     "warn if a recorded commit matches a risky change class (what the hook starts)",
				ArgsUsage: "ID",
				Hidden:    true,
				Action: func(c *cli.Context) error {
					if err := runHookWarn(c.Context, env, c.Args().First()); err != nil {
						env.log.Debug("hook warn failed", "err", err)
						return &userError{msg: err.Error(), code: exitFail, err: err, quiet: true}
					}
					return nil
				},
			},
		},
	}
}

// hooksDir returns where git looks for hooks in the repository at path,
// honouring core.hooksPath.
func hooksDir(ctx context.Context, g *journal.Git) (string, error) {
	out, err := journal.GitOutput(ctx, g.Dir, "rev-parse", "--git-path", "hooks")
	if err != nil {
		return "", err
	}
	dir := strings.TrimSpace(out)
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(g.Dir, dir)
		if _, err := os.Stat(dir); err != nil {
			// Relative to the work tree when core.hooksPath is relative.
			dir = filepath.Join(filepath.Dir(g.Dir), strings.TrimSpace(out))
		}
	}
	return dir, nil
}

// selfPath is how the hook should call this program: the path it was
// started by (a stable symlink such as ~/go/bin/analyst survives upgrades),
// else the running executable.
func selfPath() string {
	p := os.Args[0]
	if !strings.Contains(p, string(filepath.Separator)) {
		if lp, err := exec.LookPath(p); err == nil {
			p = lp
		}
	}
	if abs, err := filepath.Abs(p); err == nil {
		if fi, err := os.Stat(abs); err == nil && fi.Mode().IsRegular() {
			return abs
		}
	}
	if exe, err := os.Executable(); err == nil {
		return exe
	}
	return "analyst"
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// hookBlock is the shell text added to a post-commit hook.
func (env *environment) hookBlock() string {
	self := selfPath()
	home := ""
	if env.homeGiven {
		home = " --home " + shellQuote(env.home)
	}
	return hookBegin + `
# Records each new commit in the analyst journal. Added by 'analyst hook
# install'; 'analyst hook uninstall' removes it. It never fails a commit;
# it prints only warnings about risky changes.
analyst_bin=` + shellQuote(self) + `
[ -x "$analyst_bin" ] || analyst_bin=$(command -v analyst 2>/dev/null)
if [ -n "$analyst_bin" ]; then
	"$analyst_bin"` + home + ` hook run --repo "${GIT_DIR:-.}" </dev/null >/dev/null || true
fi
` + hookEnd + "\n"
}

func runHookInstall(ctx context.Context, env *environment, path string) error {
	g, err := openRepo(ctx, path)
	if err != nil {
		return err
	}
	dir, err := hooksDir(ctx, g)
	if err != nil {
		return failErr(err, "", "finding the hooks directory of %s: %v", g.Name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return failErr(err, "", "creating %s: %v", dir, err)
	}
	hook := filepath.Join(dir, "post-commit")
	block := env.hookBlock()
	old, err := os.ReadFile(hook)
	var content string
	switch {
	case errors.Is(err, os.ErrNotExist):
		content = "#!/bin/sh\n" + block
	case err != nil:
		return failErr(err, "", "reading %s: %v", hook, err)
	case strings.Contains(string(old), hookBegin):
		content = replaceBlock(string(old), block) // reinstall: refresh paths
	case isShellScript(old):
		// Ours goes right after the shebang, so an `exit` in the existing
		// hook cannot skip it, and it cannot change the hook's exit status.
		first, rest, _ := strings.Cut(string(old), "\n")
		content = first + "\n" + block + rest
	default:
		// Not a shell script: keep it whole and run it after ours.
		if err := os.Rename(hook, hook+chainedSuffix); err != nil {
			return failErr(err, "", "keeping the existing hook: %v", err)
		}
		content = "#!/bin/sh\n" + block + `exec "$(dirname "$0")/post-commit` + chainedSuffix + `" "$@"` + "\n"
	}
	if err := writeExecutable(hook, content); err != nil {
		return failErr(err, "", "writing %s: %v", hook, err)
	}
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	now := time.Now().UTC()
	if err := j.SaveRepo(ctx, journal.Repo{Path: g.Dir, Name: g.Name, Added: now}); err != nil {
		return failErr(err, "", "%v", err)
	}
	fmt.Fprintf(env.stdout, "installed post-commit hook in %s\n", hook)
	env.hintf("run 'analyst index --repo %s' once to bring in the history before the hook", path)
	return nil
}

func runHookUninstall(ctx context.Context, env *environment, path string) error {
	g, err := openRepo(ctx, path)
	if err != nil {
		return err
	}
	dir, err := hooksDir(ctx, g)
	if err != nil {
		return failErr(err, "", "finding the hooks directory of %s: %v", g.Name, err)
	}
	hook := filepath.Join(dir, "post-commit")
	old, err := os.ReadFile(hook)
	if errors.Is(err, os.ErrNotExist) || (err == nil && !strings.Contains(string(old), hookBegin)) {
		fmt.Fprintf(env.stdout, "no analyst hook in %s\n", dir)
		return nil
	}
	if err != nil {
		return failErr(err, "", "reading %s: %v", hook, err)
	}
	if _, err := os.Stat(hook + chainedSuffix); err == nil {
		if err := os.Rename(hook+chainedSuffix, hook); err != nil {
			return failErr(err, "", "restoring the previous hook: %v", err)
		}
		fmt.Fprintf(env.stdout, "removed the analyst hook; restored the previous %s\n", hook)
		return nil
	}
	rest := replaceBlock(string(old), "")
	if strings.TrimSpace(rest) == "#!/bin/sh" || strings.TrimSpace(rest) == "" {
		if err := os.Remove(hook); err != nil {
			return failErr(err, "", "removing %s: %v", hook, err)
		}
	} else if err := writeExecutable(hook, rest); err != nil {
		return failErr(err, "", "writing %s: %v", hook, err)
	}
	fmt.Fprintf(env.stdout, "removed the analyst hook from %s\n", hook)
	return nil
}

// replaceBlock swaps the analyst block in a hook for block.
func replaceBlock(s, block string) string {
	i := strings.Index(s, hookBegin)
	j := strings.Index(s, hookEnd)
	if i < 0 || j < i {
		return s
	}
	end := j + len(hookEnd)
	if end < len(s) && s[end] == '\n' {
		end++
	}
	return s[:i] + block + s[end:]
}

func isShellScript(b []byte) bool {
	first, _, _ := strings.Cut(string(b), "\n")
	if !strings.HasPrefix(first, "#!") {
		return false
	}
	for _, sh := range []string{"/sh", "/bash", "/dash", "/zsh", "/ksh", "env sh", "env bash", "env zsh"} {
		if strings.Contains(first, sh) {
			return true
		}
	}
	return false
}

func writeExecutable(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// runHookRecord records the commit HEAD points at. It does only what must
// happen now (read one commit, one durable insert); embedding waits.
func runHookRecord(ctx context.Context, env *environment, path string) error {
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	// One git call finds the repository and its HEAD; its name comes from
	// the journal when the repository is known (hook install records it).
	g, head, err := journal.OpenGitHead(ctx, path)
	if err == nil {
		repos, err := j.Repos(ctx)
		if err != nil {
			return failErr(err, "", "%v", err)
		}
		for _, r := range repos {
			if r.Path == g.Dir {
				g.Name = r.Name
			}
		}
		if g.Name == "" {
			g.FindName(ctx)
		}
	} else {
		if g, err = openRepo(ctx, path); err != nil {
			return err
		}
		if head, err = g.Head(ctx); err != nil || head == "" {
			return err
		}
	}
	known, err := j.Known(ctx, []string{head})
	if err != nil || known[head] {
		return err
	}
	var entries []journal.Entry
	err = g.Commits(ctx, []string{head}, journal.CommitLimits{}, func(e journal.Entry) error {
		e.Meta.Source = "hook"
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return failErr(err, "", "reading %s: %v", head, err)
	}
	if _, err := j.Add(ctx, entries...); err != nil {
		return failErr(err, "", "%v", err)
	}
	if len(entries) == 1 && entries[0].Seq > 0 {
		env.warnLater(entries[0])
	}
	return nil
}

// warnLater warns about a commit the hook recorded if it matches a risky
// change class. Matching first compiles the whole catalogue, several times
// what recording costs: a detached process does it, so the commit does not
// wait, and its warning follows on the same stderr a moment later. When
// stderr is not a file (in-process callers) it warns at once.
func (env *environment) warnLater(e journal.Entry) {
	f, ok := env.stderr.(*os.File)
	if !ok {
		env.warnRisky(nil, e)
		return
	}
	var args []string
	if env.homeGiven {
		args = append(args, "--home", env.home)
	}
	cmd := exec.Command(selfPath(), append(args, "hook", "warn", e.ID)...)
	cmd.Stderr = f
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		env.log.Debug("starting the risk check", "err", err)
		return
	}
	cmd.Process.Release()
}

// runHookWarn warns about the recorded entry id if it matches a risky
// change class (what warnLater starts).
func runHookWarn(ctx context.Context, env *environment, id string) error {
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	e, err := j.Get(ctx, id)
	if err != nil {
		return err
	}
	env.warnRisky(nil, e)
	return nil
}
