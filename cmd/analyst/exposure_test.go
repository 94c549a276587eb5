//go:build unix

package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/adrg/xdg"
)

// TestStatePermissions: the journal and the index are readable by their owner
// only, whatever the umask: files 0600 in directories 0700. The umask is 0
// during the test, so the modes are the ones the program asks for.
func TestStatePermissions(t *testing.T) {
	// The XDG paths are read once, at start: read them again for the
	// isolated environment, and once more after it is undone.
	t.Cleanup(xdg.Reload)
	work := setIsolatedEnv(t)
	xdg.Reload()
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })

	repo := filepath.Join(work, "repo")
	gitIn(t, work, nil, "init", "-q", repo)
	os.WriteFile(filepath.Join(repo, "settings.py"), []byte("POOL = 10\n"), 0o644)
	commitAll(t, repo, "2026-11-01T10:00:00Z", "Set the pool size")

	explicit := filepath.Join(work, "state", "home")
	defaultHome := filepath.Join(work, ".local", "share", "analyst") // XDG_DATA_HOME of isolatedEnv
	for _, home := range []string{explicit, defaultHome} {
		var flags []string
		if home == explicit {
			flags = []string{"--home", home}
		}
		mustRun(t, append(flags, "note", "--at", "2026-11-02T00:00:00Z", "raised the pool to 50")...)
		mustRun(t, append(flags, "index", "--repo", repo)...)
		mustRun(t, append(flags, "ask", "--no-llm", "--no-auto-index", "pool exhausted")...)

		files := 0
		err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			want := fs.FileMode(0o600)
			if d.IsDir() {
				want = 0o700
			} else {
				files++
			}
			if got := fi.Mode().Perm(); got != want {
				t.Errorf("%s has mode %v, want %v", path, got, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"journal.db", "index"} {
			if _, err := os.Stat(filepath.Join(home, name)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if files < 2 {
			t.Errorf("%s holds %d files; the test checked nothing", home, files)
		}
	}
}

// TestListenersAreLoopback reads every Go file of the module: the program
// itself listens only in `analyst serve` (which binds 127.0.0.1 unless given
// a token: TestServeToken), and every listener a test starts binds loopback
// (httptest servers do by default).
func TestListenersAreLoopback(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	listeners := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || name == ".git" || (strings.HasPrefix(name, ".") && path != root) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		isTest := strings.HasSuffix(path, "_test.go") || strings.Contains(path, string(filepath.Separator)+"ollamatest"+string(filepath.Separator))
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			name := sel.Sel.Name
			if !strings.HasPrefix(name, "Listen") && name != "Serve" && name != "ServeTLS" {
				return true
			}
			listeners++
			where := fset.Position(call.Pos())
			if !isTest {
				if filepath.Base(path) != "cmd_serve.go" || filepath.Base(filepath.Dir(path)) != "analyst" {
					t.Errorf("%s: the program calls %s: only analyst serve may listen", where, name)
				}
				return true
			}
			// net.Listen(network, address) and the like: the address
			// must be a loopback literal.
			if len(call.Args) < 2 {
				t.Errorf("%s: %s without an address this test can check", where, name)
				return true
			}
			lit, ok := call.Args[1].(*ast.BasicLit)
			addr, err := strconv.Unquote(lit.Value)
			if !ok || err != nil || !(strings.HasPrefix(addr, "127.0.0.1:") || strings.HasPrefix(addr, "[::1]:")) {
				t.Errorf("%s: %s does not bind a loopback literal address", where, name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if listeners == 0 {
		t.Error("no listener found at all: the scan looks at nothing")
	}
}
