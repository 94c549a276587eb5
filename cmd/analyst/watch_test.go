package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestWatchRunsUntilInterrupted runs `analyst watch` as a process: it keeps
// the first sight as a snapshot, records a change made while it runs, and
// stops cleanly (exit 0) on SIGINT.
func TestWatchRunsUntilInterrupted(t *testing.T) {
	work := setIsolatedEnv(t)
	env := filepath.Join(work, "svc", ".env")
	writeFile(t, env, "MONGO_URL=mongodb://db/shop\nPOOL_SIZE=10\n")

	cmd := exec.Command(stressBin(t), "watch", "--interval", "20ms", "--repo", "shop-api", env)
	cmd.Env = stressEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	errLines := lines(stderr)
	outLines := lines(stdout)

	// A guard against a hang, not a measurement.
	const guard = 60 * time.Second
	waitLine(t, errLines, "first sight of ~/svc/.env", guard)
	writeFile(t, env, "MONGO_URL=mongodb://db/shop?w=0&journal=false\nPOOL_SIZE=10\n")
	got := waitLine(t, outLines, "Changed MONGO_URL in ~/svc/.env", guard)
	if !regexp.MustCompile(`^w[0-9a-f]{16}  `).MatchString(got) {
		t.Errorf("recorded line %q does not start with an id", got)
	}
	waitLine(t, errLines, "analyst: warning: write guarantees lowered", guard)

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for range outLines {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("watch did not stop cleanly on SIGINT: %v", err)
	}
	out := runAnalyst(t, "log", "--kind", "config")
	if n := strings.Count(out, "config"); n != 1 {
		t.Errorf("journal has %d config entries, want 1:\n%s", n, out)
	}
}

// TestWatchOnceConcurrent: watchers started at the same time record a
// change once.
func TestWatchOnceConcurrent(t *testing.T) {
	work := setIsolatedEnv(t)
	env := filepath.Join(work, "svc", ".env")
	writeFile(t, env, "POOL_SIZE=10\n")
	runAnalyst(t, "watch", "--once", env)
	writeFile(t, env, "POOL_SIZE=2\n")

	const watchers = 6
	var wg sync.WaitGroup
	outs := make([]string, watchers)
	errs := make([]error, watchers)
	for i := range watchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(stressBin(t), "watch", "--once", env)
			cmd.Env = stressEnv()
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			errs[i] = cmd.Run()
			outs[i] = out.String() + errb.String()
		}()
	}
	wg.Wait()
	recorded := 0
	for i := range watchers {
		if errs[i] != nil {
			t.Fatalf("watcher %d: %v\n%s", i, errs[i], outs[i])
		}
		recorded += strings.Count(outs[i], "Changed POOL_SIZE")
	}
	if recorded != 1 {
		t.Errorf("%d watchers reported recording the change, want 1", recorded)
	}
	out := runAnalyst(t, "log", "--kind", "config", "--json")
	if n := strings.Count(out, `"kind":"config"`); n != 1 {
		t.Errorf("journal has %d config entries, want 1:\n%s", n, out)
	}
	// Looking once more still adds nothing.
	if out := runAnalyst(t, "watch", "--once", env); out != "" {
		t.Errorf("a third look recorded %q", out)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	// Written beside and renamed, as editors do, so that a running
	// watcher never reads a half-written file.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// runAnalyst runs the command in a child process and returns its stdout,
// failing the test on a non-zero exit.
func runAnalyst(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(stressBin(t), args...)
	cmd.Env = stressEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("analyst %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

// lines delivers the lines read from r until it ends.
func lines(r interface{ Read([]byte) (int, error) }) <-chan string {
	ch := make(chan string, 64)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

// waitLine returns the first line from ch containing want.
func waitLine(t *testing.T, ch <-chan string, want string, guard time.Duration) string {
	t.Helper()
	deadline := time.After(guard)
	var seen []string
	for {
		select {
		case l, ok := <-ch:
			if !ok {
				t.Fatalf("output ended without %q; saw:\n%s", want, strings.Join(seen, "\n"))
			}
			if strings.Contains(l, want) {
				return l
			}
			seen = append(seen, l)
		case <-deadline:
			t.Fatalf("no %q within %s; saw:\n%s", want, guard, strings.Join(seen, "\n"))
		}
	}
}
