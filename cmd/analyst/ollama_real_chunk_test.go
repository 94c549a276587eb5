package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/internal/ollamatest"
)

// Texts the real server would refuse or choke on: a commit far over the
// embedding model's context (code and a long base64 line) and one in
// Japanese. index must give every entry a vector of the model's dimension
// and exit 0 without a warning.
func TestRealOllamaIndexLongAndCJK(t *testing.T) {
	srv := ollamatest.Start(t)
	work := setIsolatedEnv(t)
	t.Setenv("OLLAMA_HOST", srv.Host)
	t.Setenv("ANALYST_EMBED_MODEL", srv.EmbedModel)
	home := filepath.Join(work, "home")
	repo := buildSmallRepo(t, work)

	var code strings.Builder
	for i := 0; code.Len() < 12*ollamatest.EmbedCtx; i++ {
		code.WriteString("func handler")
		code.WriteString(strings.Repeat("X", i%9))
		code.WriteString("(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }\n")
	}
	code.WriteString("const blob = \"" + strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw", 100) + "\"\n")
	commitFile := func(when, file, content, msg string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(repo, file), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"add", "-A"}, {"commit", "-q", "-m", msg}} {
			cmd := exec.Command("git", args...)
			cmd.Dir = repo
			cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+when, "GIT_COMMITTER_DATE="+when)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git %v: %v\n%s", args, err, out)
			}
		}
	}
	commitFile("2026-11-03T13:00:00Z", "handlers.go", code.String(), "Generate the handlers")
	cjk := strings.Repeat("保存した後にAPIがNoneを返す。書き込み確認をオフにした。", 80)
	commitFile("2026-11-03T14:00:00Z", "メモ.txt", cjk+"\n", "書き込み確認を無効化 "+strings.Repeat("性能のため", 40))

	_, errOut, exit := analystRun(t, "", "--home", home, "index", "--repo", repo)
	if exit != 0 || !strings.Contains(errOut, "ollama/"+srv.EmbedModel) {
		t.Fatalf("index: exit %d\n%s", exit, errOut)
	}
	if strings.Contains(errOut, "refused") || strings.Contains(errOut, "failed") {
		t.Errorf("index warned:\n%s", errOut)
	}
	ids := journalIDs(t, home)
	if len(ids) != 6 {
		t.Fatalf("%d entries in the journal, want 6", len(ids))
	}
	ds := loadDense(t, home, srv.EmbedModel)
	if ds.Dim != ollamatest.EmbedDim || len(ds.Vecs) != len(ids) {
		t.Fatalf("%d vectors of %d dimensions for %d entries, want %d dimensions", len(ds.Vecs), ds.Dim, len(ids), ollamatest.EmbedDim)
	}
	for id := range ids {
		v := ds.Vecs[id]
		if len(v) != ollamatest.EmbedDim {
			t.Errorf("entry %s: vector of %d dimensions", id, len(v))
			continue
		}
		if n := embed.Dot(v, v); n < 0.999 || n > 1.001 {
			t.Errorf("entry %s: squared norm %.4f, want 1 (a real vector, not a stand-in)", id, n)
		}
	}
}
