package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestForgetScrubsEveryFile: a value no rule masks reached the journal, the
// index and the dense vectors; after forget no file under the home holds it
// (also in the write-ahead log, kept by a connection held open), and the next
// index of the repository does not bring it back.
func TestForgetScrubsEveryFile(t *testing.T) {
	work := setIsolatedEnv(t)
	_, url := newFakeOllama(t) // dense vectors are made, and must go too
	t.Setenv("OLLAMA_HOST", url)
	t.Setenv("ANALYST_EMBED_MODEL", "fake-embed")
	t.Setenv("ANALYST_CHAT_MODEL", "fake-chat")
	home := filepath.Join(work, "home")
	repo := filepath.Join(work, "svc")
	// Lower-case letters: the index keeps it as one of its terms.
	leak := gen("leak", 20, "abcdefghijklmnopqrstuvwxyz")
	os.MkdirAll(repo, 0o755)
	steps := []struct{ when, content, msg string }{
		{"2026-10-01T09:00:00Z", "POOL=10\n", "Add config"},
		{"2026-10-02T09:00:00Z", "POOL=10\nPARTNER=" + leak + "\n", "Point at the partner"},
		{"2026-10-03T09:00:00Z", "POOL=20\nPARTNER=" + leak + "\n", "Raise the pool"},
	}
	for i, s := range steps {
		os.WriteFile(filepath.Join(repo, "app.env"), []byte(s.content), 0o644)
		var cmds [][]string
		if i == 0 {
			cmds = append(cmds, []string{"init", "-q", "-b", "main"})
		}
		cmds = append(cmds, []string{"add", "-A"}, []string{"commit", "-q", "-m", s.msg})
		for _, a := range cmds {
			cmd := exec.Command("git", a...)
			cmd.Dir = repo
			cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+s.when, "GIT_COMMITTER_DATE="+s.when)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git %v: %v\n%s", a, err, out)
			}
		}
	}
	mustRun(t, "--home", home, "index", "--repo", repo)
	mustRun(t, "--home", home, "note", "--repo", "svc", "partner code is "+leak)
	// Beside entries, the text can sit in a watched file's snapshot, in the
	// incident of a mark on an entry that does not hold it, and in the last
	// question asked.
	watched := filepath.Join(work, "partner.env")
	os.WriteFile(watched, []byte("PARTNER="+leak+"\n"), 0o644)
	mustRun(t, "--home", home, "watch", "--once", watched)
	mustRun(t, "--home", home, "ask", "--no-llm", "--no-auto-index", "partner "+leak+" rejected")
	var first struct{ ID string }
	logLines := strings.Split(strings.TrimSpace(mustRun(t, "--home", home, "log", "--json", "--kind", "commit")), "\n")
	if err := json.Unmarshal([]byte(logLines[len(logLines)-1]), &first); err != nil || first.ID == "" {
		t.Fatalf("log --json: %v\n%s", err, logLines)
	}
	mustRun(t, "--home", home, "mark", first.ID, "not", "--incident", "partner "+leak+" rejected")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(home, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var n int
	if err := db.QueryRow("SELECT count(*) FROM entries").Scan(&n); err != nil || n != 4 {
		t.Fatalf("journal: %d entries, %v", n, err)
	}
	cases := []secretCase{{name: "leaked partner code", value: leak}}
	before := 0
	filepath.WalkDir(home, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); leaksIn(b, cases) != nil {
				before++
			}
		}
		return nil
	})
	if before < 2 { // journal.db and index/index.bin
		t.Fatalf("the value is in %d files before forget: the test proves nothing", before)
	}

	_, errOut, code := analystRun(t, "", "--home", home, "forget", "--match", leak)
	if code != exitUsage || !strings.Contains(errOut, "needs --yes") {
		t.Errorf("forget without --yes off a terminal: exit %d\n%s", code, errOut)
	}
	out, errOut, code := analystRun(t, "", "--home", home, "forget", "--match", leak, "--yes")
	if code != 0 || !strings.Contains(out, "forgot 3 entries, 1 mark, 1 watched-file snapshot") {
		t.Fatalf("forget: exit %d\n%s\n%s", code, out, errOut)
	}
	if leaksIn([]byte(out+errOut), cases) != nil {
		t.Errorf("forget printed the text it searched for:\n%s%s", out, errOut)
	}
	files := scanHome(t, home, cases, "after forget")
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	files += scanHome(t, home, cases, "after a checkpoint")

	// The repository is indexed again: the forgotten commits stay out.
	mustRun(t, "--home", home, "index")
	mustRun(t, "--home", home, "index", "--repo", repo)
	logOut := mustRun(t, "--home", home, "log")
	if got := strings.Count(strings.TrimSpace(logOut), "\n") + 1; got != 1 || !strings.Contains(logOut, "Add config") {
		t.Errorf("after re-indexing, the journal lists:\n%s", logOut)
	}
	files += scanHome(t, home, cases, "after re-indexing")
	t.Logf("%d files scanned", files)
}
