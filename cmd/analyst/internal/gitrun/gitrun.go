// Package gitrun runs the git CLI for the sample histories that demo and the
// tests build: in an environment isolated from the user's git configuration,
// with a given author and date, so the same inputs give the same commits.
package gitrun

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Person is a commit's author and committer.
type Person struct{ Name, Email string }

// Git runs git in one directory.
type Git struct {
	// Dir is where git runs.
	Dir   string
	label string
	base  []string
}

// New returns a Git for dir whose errors start with label. The environment
// drops the caller's GIT_*, locale and time zone variables and ignores
// global and system config.
func New(dir, label string) *Git {
	env := make([]string, 0, len(os.Environ())+8)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") || k == "LANG" || strings.HasPrefix(k, "LC_") || k == "TZ" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"LC_ALL=C", "TZ=UTC")
	return &Git{Dir: dir, label: label, base: env}
}

// Run runs git args as who, dated when (if non-zero; author and committer
// alike), with stdin as input, and returns its standard output.
func (g *Git) Run(ctx context.Context, who Person, when time.Time, stdin string, args ...string) (string, error) {
	full := []string{
		"-c", "user.name=" + who.Name,
		"-c", "user.email=" + who.Email,
		"-c", "core.hooksPath=/dev/null",
		"-c", "commit.gpgSign=false",
		"-c", "tag.gpgSign=false",
		"-c", "core.autocrlf=false",
		"-c", "core.safecrlf=false",
		"-c", "core.fileMode=true",
		"-c", "gc.auto=0",
		"-c", "maintenance.auto=false",
		"-c", "init.defaultBranch=main",
	}
	full = append(full, args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Dir = g.Dir
	env := append([]string(nil), g.base...)
	env = append(env,
		"GIT_AUTHOR_NAME="+who.Name, "GIT_AUTHOR_EMAIL="+who.Email,
		"GIT_COMMITTER_NAME="+who.Name, "GIT_COMMITTER_EMAIL="+who.Email)
	if !when.IsZero() {
		d := when.UTC().Format(time.RFC3339)
		env = append(env, "GIT_AUTHOR_DATE="+d, "GIT_COMMITTER_DATE="+d)
	}
	cmd.Env = env
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return "", fmt.Errorf("%s: git %s: %w", g.label, args[0], ctxErr)
		}
		return "", fmt.Errorf("%s: git %s: %w: %s", g.label, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
