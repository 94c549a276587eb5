package retrieval

import (
	"time"

	"github.com/analyst-dev/analyst/journal"
)

// Shipments maps each commit the deploys shipped (by entry id, its sha) to
// the latest of those deploys: the last time the change reached the running
// system. Pass only deploys before the incident.
func Shipments(deploys []journal.Deploy) map[string]journal.Deploy {
	out := map[string]journal.Deploy{}
	for _, d := range deploys {
		for _, sha := range d.Commits {
			if prev, ok := out[sha]; !ok || d.Time.After(prev.Time) {
				out[sha] = d
			}
		}
	}
	return out
}

// DeployTimes turns Shipments into Query.Deployed.
func DeployTimes(ships map[string]journal.Deploy) map[string]time.Time {
	if len(ships) == 0 {
		return nil
	}
	out := make(map[string]time.Time, len(ships))
	for id, d := range ships {
		out[id] = d.Time
	}
	return out
}

// liveSince returns when d's change reached the running system, as the
// recency prior counts it (unix seconds): the deploy that shipped it when
// that is known, before the incident and after the change; else the
// change's own time.
func (q *Query) liveSince(d *Doc) int64 {
	if t, ok := q.Deployed[d.ID]; ok {
		if u := t.Unix(); u > d.Time && u < q.At.Unix() {
			return u
		}
	}
	return d.Time
}
