package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval"
)

// deployLinks links the deploys recorded strictly before at to the commits
// they shipped, fills q.Deployed so the recency prior counts from the
// deploy, and returns, by commit id, the deploy that shipped it last. A
// failure costs only the links, with a warning: the answer still comes.
func (env *environment) deployLinks(ctx context.Context, j *journal.Store, at time.Time, q *retrieval.Query) map[string]journal.Deploy {
	cache := env.shipCache()
	deploys, err := j.Deploys(ctx, at, cache)
	if err != nil {
		env.warnf("linking deploys to commits: %v", err)
		return nil
	}
	if err := cache.Save(); err != nil {
		env.log.Debug("saving deploy links", "err", err)
	}
	ships := retrieval.Shipments(deploys)
	q.Deployed = retrieval.DeployTimes(ships)
	return ships
}

// shipCache is where what git said about deploys is kept: beside the
// index, as derived data.
func (env *environment) shipCache() *journal.ShipCache {
	return journal.LoadShipCache(filepath.Join(env.home, "index", "deploys.json"))
}

// withDeploy adds, before the last reason (the change's age), when the
// change id was deployed, if a deploy shipped it.
func withDeploy(reasons []string, shipped map[string]journal.Deploy, id string, at time.Time) []string {
	d, ok := shipped[id]
	if !ok || !d.Time.Before(at) {
		return reasons
	}
	r := fmt.Sprintf("deployed %s before the incident (%s)", humanAge(at.Sub(d.Time)), shortID(d.ID))
	if len(reasons) == 0 {
		return []string{r}
	}
	return slices.Insert(reasons, len(reasons)-1, r)
}

// linkedDeploy returns the deploy entry e linked to the commits it
// shipped, as for an incident just after it; nil when it cannot be linked.
func linkedDeploy(ctx context.Context, env *environment, j *journal.Store, e journal.Entry) *journal.Deploy {
	// The deploys up to this one.
	deploys, err := j.Deploys(ctx, e.Time.Add(time.Second), env.shipCache())
	if err != nil {
		env.warnf("linking the deploy to commits: %v", err)
		return nil
	}
	i := slices.IndexFunc(deploys, func(d journal.Deploy) bool { return d.ID == e.ID })
	if i < 0 {
		return nil
	}
	return &deploys[i]
}

// shippedJSON is what show --json says a deploy shipped.
type shippedJSON struct {
	Sha string `json:"sha"` // its ref, resolved
	// Since is the previous deploy of the repository counted from; empty
	// for the first one recorded, which ships Sha only.
	Since   string   `json:"since"`
	Commits []string `json:"commits"`
}

func shippedOf(d *journal.Deploy) *shippedJSON {
	if d == nil || d.Sha == "" {
		return nil
	}
	return &shippedJSON{Sha: d.Sha, Since: d.Prev, Commits: nonNil(d.Commits)}
}

// printShipped prints, for show, the commits a deploy shipped.
func printShipped(ctx context.Context, env *environment, j *journal.Store, w io.Writer, e journal.Entry) {
	dp := linkedDeploy(ctx, env, j, e)
	if dp == nil {
		return
	}
	d := *dp
	switch {
	case e.Repo == "" || e.Ref == "":
		fmt.Fprintf(w, "Shipped:  unknown (give the deploy --repo NAME and --ref SHA to link its commits)\n")
		return
	case d.Sha == "":
		fmt.Fprintf(w, "Shipped:  unknown: %s is not a commit of a repository named %s in the journal\n", e.Ref, e.Repo)
		return
	case d.Prev == "":
		fmt.Fprintf(w, "Shipped:  %s only (the first deploy of %s recorded: what earlier deploys shipped is unknown)\n", shortID(d.Sha), e.Repo)
	case len(d.Commits) == 0:
		fmt.Fprintf(w, "Shipped:  no new commits since deploy %s\n", shortID(d.Prev))
		return
	default:
		fmt.Fprintf(w, "Shipped:  %d commits since deploy %s\n", len(d.Commits), shortID(d.Prev))
	}
	for _, sha := range d.Commits {
		title := "(not in the journal)"
		if c, err := j.Get(ctx, sha); err == nil {
			title = c.Title
		}
		fmt.Fprintf(w, "          %s  %s\n", shortID(sha), title)
	}
}
