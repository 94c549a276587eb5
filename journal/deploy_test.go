package journal

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// Deploys link to the commits they shipped; with a cache the second
// question needs no git at all for full shas, and its answer is the same.
func TestDeploysShipCache(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	a := r.commit(t0, "first", map[string]string{"a.txt": "1"})
	b := r.commit(t0.Add(time.Hour), "second", map[string]string{"a.txt": "2"})
	c := r.commit(t0.Add(2*time.Hour), "third", map[string]string{"b.txt": "3"})
	s := openTemp(t)
	g, err := OpenGit(ctx, r.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRepo(ctx, Repo{Path: g.Dir, Name: "shop-api", Added: t0}); err != nil {
		t.Fatal(err)
	}
	for i, sha := range []string{a, c} {
		d := NewNote("deploy", KindDeploy, t0.Add(time.Duration(3+i)*time.Hour), nil, "shop-api", sha)
		if _, err := s.Add(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	at := t0.Add(10 * time.Hour)
	plain, err := s.Deploys(ctx, at, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != 2 || !reflect.DeepEqual(plain[0].Commits, []string{a}) || !reflect.DeepEqual(plain[1].Commits, []string{c, b}) {
		t.Fatalf("deploys = %+v; want the first shipping %s only, the second %s and %s", plain, a, c, b)
	}
	path := filepath.Join(t.TempDir(), "index", "deploys.json")
	cache := LoadShipCache(path)
	if got, err := s.Deploys(ctx, at, cache); err != nil || !reflect.DeepEqual(got, plain) {
		t.Fatalf("with a cache: %+v, %v; want %+v", got, err, plain)
	}
	if err := cache.Save(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file: %v, %v; want it written 0600", fi, err)
	}

	// Without the repository, only what the cache kept can link.
	if err := os.Rename(r.dir, r.dir+".moved"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Deploys(ctx, at, LoadShipCache(path)); err != nil || !reflect.DeepEqual(got, plain) {
		t.Fatalf("from the saved cache: %+v, %v; want %+v", got, err, plain)
	}
	none, err := s.Deploys(ctx, at, nil)
	if err != nil || none[1].Sha != "" || none[1].Commits != nil {
		t.Fatalf("without cache or repository: %+v, %v; want nothing linked", none, err)
	}
	// A damaged cache is an empty one.
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Deploys(ctx, at, LoadShipCache(path)); got[1].Sha != "" {
		t.Fatalf("a damaged cache linked %+v", got[1])
	}
}
