package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary run as the real `analyst` command in
// testscript files (testdata/script/*.txtar) and in tests that start it as a
// separate process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"analyst": func() {
			// As main: an interrupt cancels the context.
			ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			os.Exit(run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// isolate makes a test independent of the machine: no user config, no git
// config, and an Ollama address that refuses connections at once.
func isolatedEnv(work string) []string {
	return []string{
		"HOME=" + work,
		"XDG_DATA_HOME=" + filepath.Join(work, ".local/share"),
		"XDG_CONFIG_HOME=" + filepath.Join(work, ".config"),
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Dana Reyes",
		"GIT_AUTHOR_EMAIL=dana@shop.example",
		"GIT_COMMITTER_NAME=Dana Reyes",
		"GIT_COMMITTER_EMAIL=dana@shop.example",
		"OLLAMA_HOST=127.0.0.1:9",
		"ANALYST_HOME=",
		"TZ=UTC",
	}
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			for _, kv := range isolatedEnv(e.WorkDir) {
				k, v, _ := strings.Cut(kv, "=")
				e.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"commit":    cmdCommit,
			"askcheck":  cmdAskCheck,
			"firstline": cmdFirstLine,
			"setfirst":  cmdSetFirst,
		},
	})
}

// cmdCommit: commit DIR TIME MESSAGE — commits everything in the work tree
// DIR with author and committer time TIME (RFC 3339).
func cmdCommit(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: commit DIR TIME MESSAGE")
	}
	dir := ts.MkAbs(args[0])
	env := []string{"GIT_AUTHOR_DATE=" + args[1], "GIT_COMMITTER_DATE=" + args[1]}
	for _, k := range []string{"HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "PATH", "ANALYST_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "OLLAMA_HOST"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	for _, a := range [][]string{{"add", "-A"}, {"-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", args[2]}} {
		cmd := exec.Command("git", a...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			ts.Fatalf("git %v: %v\n%s", a, err, out)
		}
	}
}

// cmdAskCheck: askcheck — checks that stdout is one `ask --json` object that
// keeps the contract (DESIGN.md), and prints its suspects' titles in order.
func cmdAskCheck(ts *testscript.TestScript, neg bool, args []string) {
	out := ts.ReadFile("stdout")
	titles, err := checkAskJSON([]byte(out))
	if err != nil {
		ts.Fatalf("ask --json contract: %v\n%s", err, out)
	}
	for _, t := range titles {
		fmt.Fprintln(ts.Stdout(), t)
	}
}

// cmdFirstLine: firstline FILE — prints the first line of a file (stdout or
// stderr of the last command by default).
func cmdFirstLine(ts *testscript.TestScript, neg bool, args []string) {
	name := "stdout"
	if len(args) > 0 {
		name = args[0]
	}
	line, _, _ := strings.Cut(ts.ReadFile(name), "\n")
	fmt.Fprintln(ts.Stdout(), line)
}

// cmdSetFirst: setfirst FILE VAR — sets VAR to the first word of FILE, so a
// script can use an id the program printed.
func cmdSetFirst(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: setfirst FILE VAR")
	}
	f := strings.Fields(ts.ReadFile(args[0]))
	if len(f) == 0 {
		ts.Fatalf("%s is empty", args[0])
	}
	ts.Setenv(args[1], f[0])
}

// checkAskJSON verifies the `ask --json` contract and returns the titles.
func checkAskJSON(b []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not one JSON object: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value on stdout")
	}
	for _, k := range []string{"version", "query", "at", "models", "suspects", "summary", "warnings"} {
		if _, ok := raw[k]; !ok {
			return nil, fmt.Errorf("missing %q", k)
		}
	}
	if string(raw["suspects"]) == "null" || string(raw["warnings"]) == "null" {
		return nil, fmt.Errorf("suspects and warnings must be arrays, never null")
	}
	var a askJSON
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, err
	}
	if a.Version != 1 {
		return nil, fmt.Errorf("version %d", a.Version)
	}
	if _, err := time.Parse(time.RFC3339, a.At); err != nil || !strings.HasSuffix(a.At, "Z") {
		return nil, fmt.Errorf("at %q is not RFC 3339 UTC", a.At)
	}
	var titles []string
	for i, s := range a.Suspects {
		if s.Rank != i+1 {
			return nil, fmt.Errorf("suspect %d has rank %d", i, s.Rank)
		}
		if i > 0 && s.Score > a.Suspects[i-1].Score {
			return nil, fmt.Errorf("score rises from rank %d to %d", i, i+1)
		}
		if s.ID == "" || s.Kind == "" || s.Reasons == nil {
			return nil, fmt.Errorf("suspect %d lacks id, kind or reasons", i+1)
		}
		if _, err := time.Parse(time.RFC3339, s.Time); err != nil || !strings.HasSuffix(s.Time, "Z") {
			return nil, fmt.Errorf("suspect time %q is not RFC 3339 UTC", s.Time)
		}
		if s.Kind == "commit" && len(s.Ref) != 40 {
			return nil, fmt.Errorf("commit suspect ref %q is not a full sha", s.Ref)
		}
		titles = append(titles, s.Title)
	}
	return titles, nil
}
