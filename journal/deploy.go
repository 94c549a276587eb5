package journal

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// KindDeploy is the kind of a note that records a deploy: the commit Ref of
// Repo reached a running system at the note's time.
const KindDeploy = "deploy"

// MaxDeploys is how many of the latest deploys Deploys links: enough for
// months of releases, while a question costs a bounded number of git calls.
const MaxDeploys = 200

// maxShipped bounds the commits linked to one deploy (a first deploy after
// a long-lived branch, a ref from another history).
const maxShipped = 5000

// Deploy is a deploy entry linked to the commits it shipped.
type Deploy struct {
	ID   string
	Time time.Time
	Repo string
	Ref  string // as recorded
	// Sha is Ref resolved in a repository of that name the journal knows;
	// empty when it could not be, and then nothing is linked.
	Sha string
	// Prev is the previous deploy of the same repository that this one is
	// counted from; empty for the first one recorded.
	Prev string
	// Commits are the shas the deploy shipped, newest first: those
	// reachable from Sha and not from the previous deploy's sha (merges
	// left out, as in the journal). The first deploy recorded for a
	// repository ships only Sha itself: what earlier, unrecorded deploys
	// already shipped is unknown, and counting the whole history as new
	// would make every old commit look freshly deployed.
	Commits []string
}

// Deploys returns the latest MaxDeploys deploy entries strictly before
// `before`, oldest first, each linked to the commits it shipped. Deploys of
// repositories the journal does not know (by name), or whose ref does not
// resolve there, are returned without commits. Nothing at or after before
// is read, so the links are those known at that time.
//
// cache, when not nil, remembers what git said about full shas, which never
// changes: a question then costs git calls only for deploys not seen
// before (nil asks git every time).
func (s *Store) Deploys(ctx context.Context, before time.Time, cache *ShipCache) ([]Deploy, error) {
	var out []Deploy
	err := s.List(ctx, Filter{Kind: KindDeploy, Before: before, Limit: MaxDeploys, NoDiff: true}, func(e Entry) error {
		out = append(out, Deploy{ID: e.ID, Time: e.Time, Repo: e.Repo, Ref: strings.TrimSpace(e.Ref)})
		return nil
	})
	if err != nil || len(out) == 0 {
		return nil, err
	}
	slices.Reverse(out)
	repos, err := s.Repos(ctx)
	if err != nil {
		return nil, err
	}
	paths := map[string][]string{}
	for _, r := range repos {
		paths[r.Name] = append(paths[r.Name], r.Path)
	}
	type last struct{ id, sha string }
	prev := map[string]last{} // by repo name
	for i := range out {
		d := &out[i]
		if d.Repo == "" || d.Ref == "" || strings.HasPrefix(d.Ref, "-") {
			continue
		}
		var dir string
		for _, p := range paths[d.Repo] {
			if sha, err := cache.resolve(ctx, p, d.Ref); err == nil {
				d.Sha, dir = sha, p
				break
			}
		}
		if d.Sha == "" {
			continue
		}
		p, ok := prev[d.Repo]
		prev[d.Repo] = last{d.ID, d.Sha}
		if !ok {
			d.Commits = []string{d.Sha}
			continue
		}
		d.Prev = p.id
		if p.sha == d.Sha {
			continue // a redeploy of the same commit ships nothing new
		}
		d.Commits = cache.shipped(ctx, dir, d.Sha, p.sha)
	}
	return out, nil
}

// shipped returns the commits sha has and prev has not, asking the cache
// first. When prev is not in this clone, only sha itself is known, and
// that answer is not kept: a later fetch may bring prev.
func (c *ShipCache) shipped(ctx context.Context, dir, sha, prev string) []string {
	key := "ship\x00" + dir + "\x00" + sha + "\x00" + prev
	if list, ok := c.get(key); ok {
		return list
	}
	if _, err := c.resolve(ctx, dir, prev); err != nil {
		return []string{sha}
	}
	out, err := gitOutput(ctx, dir, "rev-list", "--no-merges", "--max-count="+strconv.Itoa(maxShipped), sha, "^"+prev)
	if err != nil {
		return nil
	}
	list := strings.Fields(out)
	c.put(key, list)
	return list
}

// resolve is resolveCommit, remembered for refs that are full shas.
func (c *ShipCache) resolve(ctx context.Context, dir, ref string) (string, error) {
	full := isFullSha(ref)
	key := "commit\x00" + dir + "\x00" + ref
	if full {
		if v, ok := c.get(key); ok && len(v) == 1 {
			return v[0], nil
		}
	}
	sha, err := resolveCommit(ctx, dir, ref)
	if err == nil && full {
		c.put(key, []string{sha})
	}
	return sha, err
}

func isFullSha(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

// ShipCache keeps, in a file, what git answered about deploys' commits:
// which commit a full sha names and which commits one deploy shipped since
// another. Both follow from the commit graph alone, so an answer never goes
// stale; the file is derived data and may be deleted at any time.
type ShipCache struct {
	path  string
	m     map[string][]string
	dirty bool
}

// LoadShipCache reads the cache at path; a missing or unreadable file is
// an empty cache.
func LoadShipCache(path string) *ShipCache {
	c := &ShipCache{path: path, m: map[string][]string{}}
	if b, err := os.ReadFile(path); err == nil {
		if json.Unmarshal(b, &c.m) != nil {
			c.m = map[string][]string{}
		}
	}
	return c
}

func (c *ShipCache) get(key string) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	v, ok := c.m[key]
	return v, ok
}

func (c *ShipCache) put(key string, v []string) {
	if c == nil {
		return
	}
	c.m[key] = v
	c.dirty = true
}

// Save writes the cache if it learnt anything, atomically (0600).
func (c *ShipCache) Save() error {
	if c == nil || !c.dirty {
		return nil
	}
	b, err := json.Marshal(c.m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(c.path), ".deploys-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), c.path); err != nil {
		return err
	}
	c.dirty = false
	return nil
}

// resolveCommit returns the full sha of the commit ref names in the
// repository at dir.
func resolveCommit(ctx context.Context, dir, ref string) (string, error) {
	out, err := gitOutput(ctx, dir, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}
