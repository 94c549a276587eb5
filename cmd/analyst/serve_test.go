package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startServe runs `analyst serve` as a separate process on a free port of
// 127.0.0.1 and returns its base URL. The server is stopped with SIGINT at
// the end of the test, and must exit 0.
func startServe(t *testing.T, home string, args ...string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "analyst")
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"--home", home, "serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), isolatedEnv(filepath.Dir(home))...)
	var errb strings.Builder
	cmd.Stderr = &errb
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("serve printed no address: %v\n%s", err, errb.String())
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("serve's first line: %q", line)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve did not stop cleanly on SIGINT: %v\n%s", err, errb.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("serve did not stop on SIGINT\n%s", errb.String())
		}
	})
	return base
}

func post(t *testing.T, url, body string, header ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, b)
	}
	return resp.StatusCode, out
}

func TestServeRecordsEntries(t *testing.T) {
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	base := startServe(t, home)

	resp, err := http.Get(base + "/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %s", resp.Status)
	}

	code, out := post(t, base+"/v1/entries", `{"kind":"deploy","time":"2026-12-03T18:00:00+02:00","title":"v1.14 to production",
		"body":"pipeline 812, DATABASE_URL=postgres://app:hunter2secret@db/shop","repo":"shop-api","ref":"abc123","tags":["prod"]}`)
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %v", code, out)
	}
	id, _ := out["id"].(string)
	if !strings.HasPrefix(id, "n") {
		t.Fatalf("no id in %v", out)
	}
	if m, _ := out["masked"].([]any); len(m) == 0 {
		t.Errorf("the password was not reported masked: %v", out)
	}
	logOut := mustRun(t, "--home", home, "log", "--json")
	var line struct{ ID, Kind, Time, Title, Repo, Ref string }
	if err := json.Unmarshal([]byte(strings.TrimSpace(logOut)), &line); err != nil {
		t.Fatalf("log --json: %v\n%s", err, logOut)
	}
	if line.ID != id || line.Kind != "deploy" || line.Time != "2026-12-03T16:00:00Z" || line.Title != "v1.14 to production" ||
		line.Repo != "shop-api" || line.Ref != "abc123" {
		t.Errorf("recorded %+v", line)
	}
	if show := mustRun(t, "--home", home, "show", id); strings.Contains(show, "hunter2secret") || !strings.Contains(show, "pipeline 812") {
		t.Errorf("show:\n%s", show)
	}

	// Bad input: a clear 400, and nothing recorded.
	for _, c := range []struct{ body, want string }{
		{`{"title": "x"`, "invalid JSON"},
		{`not json`, "invalid JSON"},
		{``, "empty body"},
		{`{"kind":"deploy"}`, `"title" is required`},
		{`{"title":"x","time":"yesterday"}`, "RFC 3339"},
		{`{"title":"x","tags":"prod"}`, `"tags"`},
		{`{"title":"x","colour":"red"}`, "unknown field"},
		{`{"title":"x","kind":"two words"}`, "one word"},
		{`{"title":"x"} {"title":"y"}`, "one JSON object"},
	} {
		code, out := post(t, base+"/v1/entries", c.body)
		msg, _ := out["error"].(string)
		if code != http.StatusBadRequest || !strings.Contains(msg, c.want) {
			t.Errorf("%q: %d %q, want 400 with %q", c.body, code, msg, c.want)
		}
	}
	big := `{"title":"x","body":"` + strings.Repeat("a", maxInput) + `"}`
	if code, _ := post(t, base+"/v1/entries", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the cap: %d, want 413", code)
	}
	if after := logIDs(t, home); len(after) != 1 || after[0] != id {
		t.Errorf("bad requests recorded entries: %v", after)
	}
}

func TestServeToken(t *testing.T) {
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")

	// Off this machine without a token: refused before listening.
	_, errOut, code := analystRun(t, "", "--home", home, "serve", "--addr", "0.0.0.0:0")
	if code != exitUsage || !strings.Contains(errOut, "without a token") || !strings.Contains(errOut, "hint: ") ||
		!strings.Contains(errOut, "--token-file") {
		t.Fatalf("serve on 0.0.0.0 without a token: exit %d\n%s", code, errOut)
	}
	empty := filepath.Join(work, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	if _, errOut, code := analystRun(t, "", "--home", home, "serve", "--addr", "0.0.0.0:0", "--token-file", empty); code != exitUsage {
		t.Fatalf("serve with an empty token file: exit %d\n%s", code, errOut)
	}

	tokenFile := filepath.Join(work, "token")
	if err := os.WriteFile(tokenFile, []byte("s3cr3t-t0ken-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := startServe(t, home, "--token-file", tokenFile)
	body := `{"title":"flag checkout_v2 on"}`
	if code, out := post(t, base+"/v1/entries", body); code != http.StatusUnauthorized {
		t.Errorf("no token: %d %v", code, out)
	}
	if code, out := post(t, base+"/v1/entries", body, "Authorization", "Bearer wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d %v", code, out)
	}
	if ids := logIDs(t, home); len(ids) != 0 {
		t.Errorf("unauthorized requests recorded %v", ids)
	}
	if code, out := post(t, base+"/v1/entries", body, "Authorization", "Bearer s3cr3t-t0ken-value"); code != http.StatusCreated {
		t.Errorf("right token: %d %v", code, out)
	}
	if ids := logIDs(t, home); len(ids) != 1 {
		t.Errorf("after an authorized request: %v", ids)
	}
}
