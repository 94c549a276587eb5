package journal

import (
	"context"
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
func (s *Store) Deploys(ctx context.Context, before time.Time) ([]Deploy, error) {
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
			if sha, err := resolveCommit(ctx, p, d.Ref); err == nil {
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
		// Shipped: what d.Sha has that the previous deploy had not. When the
		// previous sha is not in this clone, only d.Sha itself is known.
		args := []string{"rev-list", "--no-merges", "--max-count=" + strconv.Itoa(maxShipped), d.Sha, "^" + p.sha}
		if _, err := resolveCommit(ctx, dir, p.sha); err != nil {
			args = []string{"rev-list", "--no-merges", "--max-count=1", d.Sha}
		}
		list, err := gitOutput(ctx, dir, args...)
		if err != nil {
			continue
		}
		d.Commits = strings.Fields(list)
	}
	return out, nil
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
