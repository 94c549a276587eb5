package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ollama/ollama/api"
)

// doctorChecks runs doctor --json and returns its exit code and checks by
// name.
func doctorChecks(t *testing.T, home string) (int, map[string]check) {
	t.Helper()
	out, errOut, code := analystRun(t, "", "--home", home, "doctor", "--json")
	var d doctorJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("doctor --json: %v\n%s\n%s", err, out, errOut)
	}
	if d.Version != 1 || d.OK != (code == 0) || d.Checks == nil {
		t.Fatalf("doctor --json: version %d, ok %v with exit %d", d.Version, d.OK, code)
	}
	m := map[string]check{}
	for _, c := range d.Checks {
		m[c.Name] = c
	}
	return code, m
}

func wantCheck(t *testing.T, checks map[string]check, name, status, message, fix string) {
	t.Helper()
	c, ok := checks[name]
	if !ok {
		t.Errorf("no %q check in %v", name, checks)
		return
	}
	if c.Status != status || !strings.Contains(c.Message, message) || !strings.Contains(c.Fix, fix) {
		t.Errorf("check %s: %s %q (fix %q); want %s with %q (fix %q)", name, c.Status, c.Message, c.Fix, status, message, fix)
	}
}

func TestDoctor(t *testing.T) {
	fake, home, repo := fakeOllamaHome(t)
	// The fake server lists its two models, as /api/tags does (the embedding
	// model's digest when the test sets one).
	var digest atomic.Value
	digest.Store("")
	tags := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/tags" {
			json.NewEncoder(w).Encode(api.ListResponse{Models: []api.ListModelResponse{
				{Name: fake.embedModel + ":latest", Model: fake.embedModel + ":latest", Digest: digest.Load().(string)},
				{Name: fake.chatModel + ":latest", Model: fake.chatModel + ":latest"},
			}})
			return
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(tags.Close)
	t.Setenv("OLLAMA_HOST", tags.URL)
	// A fake systemctl first on PATH: schedule install writes the units into
	// the test's XDG_CONFIG_HOME and touches no real systemd.
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "systemctl"), []byte("#!/bin/sh\nexit 0\n"), 0o755)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	// Nothing yet: warnings only, exit 0.
	code, c := doctorChecks(t, home)
	if code != 0 {
		t.Errorf("doctor on a new home: exit %d", code)
	}
	wantCheck(t, c, "ollama", checkOK, "reachable at", "")
	wantCheck(t, c, "embed model", checkOK, "fake-embed is pulled", "")
	wantCheck(t, c, "journal", checkWarn, "no journal yet", "analyst index --repo")
	wantCheck(t, c, "schedule", checkWarn, "no nightly job", "analyst schedule install")

	// Indexed, but no hook, no schedule, and a note the index lacks.
	mustRun(t, "--home", home, "index", "--repo", repo)
	mustRun(t, "--home", home, "note", "raised the pool size to 50")
	code, c = doctorChecks(t, home)
	if code != 0 {
		t.Errorf("doctor with warnings: exit %d", code)
	}
	wantCheck(t, c, "journal", checkOK, "5 entries, schema", "")
	wantCheck(t, c, "permissions", checkOK, "", "")
	wantCheck(t, c, "index", checkWarn, "1 journal entry is not indexed", "analyst index")
	wantCheck(t, c, "hook svc", checkWarn, "no post-commit hook", "analyst hook install --repo "+repo)
	wantCheck(t, c, "vectors", checkOK, "4 entries of ollama/fake-embed", "")

	// Fixed as doctor says: every check passes.
	mustRun(t, "--home", home, "index")
	mustRun(t, "--home", home, "hook", "install", "--repo", repo)
	mustRun(t, "--home", home, "schedule", "install")
	out, errOut, code := analystRun(t, "", "--home", home, "doctor")
	if code != 0 || strings.Contains(out, "warn") || strings.Contains(out, "fail") || strings.Contains(out, "fix:") {
		t.Errorf("doctor after the fixes: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "ok    schedule: nightly at 03:30 (systemd user timer)") {
		t.Errorf("doctor text output:\n%s", out)
	}

	// The embedding model pulled again with other weights: its vectors are
	// not used until index makes them again.
	digest.Store("sha256:" + strings.Repeat("a", 64))
	mustRun(t, "--home", home, "index")
	_, c = doctorChecks(t, home)
	wantCheck(t, c, "vectors", checkOK, "5 entries of ollama/fake-embed@aaaaaaaaaaaa", "")
	digest.Store("sha256:" + strings.Repeat("b", 64))
	_, c = doctorChecks(t, home)
	wantCheck(t, c, "vectors", checkWarn, "fake-embed changed since its vectors were made", "analyst index")
	mustRun(t, "--home", home, "index")
	_, c = doctorChecks(t, home)
	wantCheck(t, c, "vectors", checkOK, "5 entries of ollama/fake-embed@bbbbbbbbbbbb", "")

	// A model missing: a warning naming the pull to run.
	t.Setenv("ANALYST_CHAT_MODEL", "llama3.2")
	code, c = doctorChecks(t, home)
	if code != 0 {
		t.Errorf("doctor with a model missing: exit %d", code)
	}
	wantCheck(t, c, "chat model", checkWarn, "llama3.2 is not pulled", "ollama pull llama3.2")
	wantCheck(t, c, "embed model", checkOK, "", "")
	out, _, _ = analystRun(t, "", "--home", home, "doctor")
	if !strings.Contains(out, "warn  chat model: llama3.2 is not pulled") || !strings.Contains(out, "      fix: ollama pull llama3.2\n") {
		t.Errorf("doctor text with a model missing:\n%s", out)
	}

	// Ollama down: a warning with the way to start it; models not checked.
	tags.Close()
	code, c = doctorChecks(t, home)
	if code != 0 {
		t.Errorf("doctor with Ollama down: exit %d", code)
	}
	wantCheck(t, c, "ollama", checkWarn, "unreachable at "+tags.URL, "ollama serve")
	if _, ok := c["chat model"]; ok {
		t.Error("models checked with Ollama down")
	}

	// A journal other users can read: a failure, exit 1.
	if err := os.Chmod(filepath.Join(home, "journal.db"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, c = doctorChecks(t, home)
	if code != 1 {
		t.Errorf("doctor with a readable journal: exit %d", code)
	}
	wantCheck(t, c, "permissions", checkFail, "journal.db is 0644", "chmod 600 "+filepath.Join(home, "journal.db"))
	_, errOut, _ = analystRun(t, "", "--home", home, "doctor")
	if !strings.Contains(errOut, "analyst: 1 of ") || !strings.Contains(errOut, "checks failed") {
		t.Errorf("doctor stderr on failure:\n%s", errOut)
	}
}

// A damaged journal fails the journal check and exits 1.
func TestDoctorDamagedJournal(t *testing.T) {
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	for i := range 200 {
		mustRun(t, "--home", home, "note", strings.Repeat("a decision about the cache, number ", 20)+string(rune('a'+i%26)))
	}
	path := filepath.Join(home, "journal.db")
	mustRun(t, "--home", home, "log") // checkpoints the WAL on close
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 64<<10 {
		t.Fatalf("journal is only %d bytes", len(b))
	}
	// Garbage over pages in the middle: the header stays, the b-trees break.
	for i := 16 << 10; i < 48<<10; i++ {
		b[i] = 0xA5
	}
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, c := doctorChecks(t, home)
	if code != 1 {
		t.Errorf("doctor on a damaged journal: exit %d", code)
	}
	if c["journal"].Status != checkFail || c["journal"].Fix == "" {
		t.Errorf("journal check: %+v", c["journal"])
	}
}
