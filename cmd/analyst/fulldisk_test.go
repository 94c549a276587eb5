//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// fileSizeEnv, in the environment of this test binary started as `analyst`,
// sets a file size limit (RLIMIT_FSIZE, in bytes) before the command runs: a
// disk that fills up at that size, without root's ability to ignore
// permissions or quotas. Go ignores SIGXFSZ, so a write past the limit fails
// with EFBIG as it would with ENOSPC on a full disk.
const fileSizeEnv = "ANALYST_TEST_FILE_SIZE_LIMIT"

func init() {
	if v := os.Getenv(fileSizeEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err == nil {
			err = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n})
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "setting the file size limit: %v\n", err)
			os.Exit(99)
		}
	}
}

// runLimited runs this test binary as `analyst` in a child process whose
// files cannot grow past limit bytes.
func runLimited(t *testing.T, limit int, stdin string, args ...string) (string, string, int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "analyst")
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), fileSizeEnv+"="+strconv.Itoa(limit))
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code == 99 || code < 0 {
		t.Fatalf("child failed to start as analyst (exit %d):\n%s", code, errb.String())
	}
	return out.String(), errb.String(), code
}

// A full disk while recording: a clean error (exit 1) that says what to do,
// and a journal that still opens with every earlier entry.
func TestFullDisk(t *testing.T) {
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	for i := range 3 {
		mustRun(t, "--home", home, "note", "--at", "2026-11-01T00:00:00Z", fmt.Sprintf("earlier note %d", i))
	}
	before := logIDs(t, home)
	fi, err := os.Stat(filepath.Join(home, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	// Room for the journal's shared-memory file (32 KiB) and the journal
	// as it is, not for a megabyte more.
	room := int(max(fi.Size(), 32<<10)) + 16<<10
	bigNote := strings.Repeat("the orders pool was raised to 50 because of load\n", 30000)[:1<<20]

	repo := filepath.Join(work, "repo")
	gitIn(t, work, nil, "init", "-q", repo)
	var vendored strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&vendored, "export const value%d = %d;\n", i, i)
	}
	for i := range 5 {
		os.WriteFile(filepath.Join(repo, fmt.Sprintf("vendor%d.js", i)), []byte(vendored.String()), 0o644)
		commitAll(t, repo, fmt.Sprintf("2026-11-0%dT10:00:00Z", i+2), fmt.Sprintf("Vendor library %d", i))
	}

	hint := "hint: free some space (or check quotas and file size limits) where " + home + " lives"
	for _, tc := range []struct {
		name  string
		limit int
		stdin string
		args  []string
		want  []string
	}{
		{"note", room, bigNote, []string{"note", "-"}, []string{"analyst: recording note: ", hint}},
		{"index", room, "", []string{"index", "--no-ollama", "--repo", repo}, []string{"analyst: recording repo: ", hint}},
		{"no room to open", 4096, "", []string{"note", "small"}, []string{"analyst: opening journal " + filepath.Join(home, "journal.db") + ": ", hint}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runLimited(t, tc.limit, tc.stdin, append([]string{"--home", home}, tc.args...)...)
			if code != exitFail {
				t.Fatalf("exit %d, want %d\nstdout %q\n%s", code, exitFail, out, errOut)
			}
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			// index may say what it did before it failed.
			for len(lines) > 0 && !strings.HasPrefix(lines[0], tc.want[0]) && strings.HasPrefix(lines[0], "analyst: ") {
				lines = lines[1:]
			}
			checkLines(t, out, strings.Join(lines, "\n"), tc.want...)
			if after := logIDs(t, home); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("journal after a full disk: %v, was %v", after, before)
			}
		})
	}
	// With room again, the same commands work.
	mustRun(t, "--home", home, "note", "small")
	mustRun(t, "--home", home, "index", "--no-ollama", "--repo", repo)
	if n := len(logIDs(t, home)); n != len(before)+1+5 {
		t.Errorf("%d entries after the disk has room again, want %d", n, len(before)+6)
	}
}
