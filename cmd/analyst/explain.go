package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/prompts"
)

// Bounds of one explanation call. The context window is set explicitly (the
// server's default is small and silently cuts prompts); the prompt is cut to
// fit it with room for the reply.
const (
	chatNumCtx      = 8192
	chatNumPredict  = 1024
	chatPromptChars = 16000 // about 5,000 tokens of mixed prose and code
	explainSuspects = 5     // how many of the ranked suspects the model sees
)

// chatTimeout bounds one explanation call, from the request to the reply's
// last token, loading the model included: 2 minutes, enough for a 3B model on
// a CPU to write its token budget. A variable so tests can shorten it.
var chatTimeout = 120 * time.Second

// explain asks the chat model which suspects explain the incident and fills
// why, confidence and summary in out. It returns warnings instead of failing:
// a model is a helper, and retrieval results stand without it.
//
// With live set, the reply streams and its summary is written there as it
// arrives.
func explain(ctx context.Context, env *environment, j *journal.Store, out *askJSON, live *summaryStream) []string {
	c, host, ok := env.ollama()
	if !ok {
		return []string{"Ollama is turned off in the config: showing retrieval only"}
	}
	if !reachable(ctx, c) {
		return []string{fmt.Sprintf("Ollama unreachable at %s: showing retrieval only", host)}
	}
	if len(out.Suspects) == 0 {
		return nil
	}
	model := env.config.ChatModel
	in := prompts.ExplainInput{Incident: out.Query, At: out.At, Keep: 3}
	for _, s := range out.Suspects[:min(len(out.Suspects), explainSuspects)] {
		e, err := j.Get(ctx, s.ID)
		if err != nil {
			continue
		}
		excerpt := e.Body
		if e.Diff != "" {
			excerpt += "\n" + e.Diff
		}
		in.Suspects = append(in.Suspects, prompts.Suspect{ID: s.ID, Kind: s.Kind, Title: s.Title, Time: s.Time,
			Repo: s.Repo, Reasons: append([]string(nil), s.Reasons...), Excerpt: excerpt})
	}
	// Nothing matched the incident well: the model also reads what went live
	// just before it, since it may see a mechanism no shared word shows.
	shown := make(map[string]bool, len(in.Suspects))
	for _, s := range in.Suspects {
		shown[s.ID] = true
	}
	wentLive := make(map[string]wentLiveJSON)
	for _, c := range out.WentLive {
		if shown[c.ID] {
			continue
		}
		e, err := j.Get(ctx, c.ID)
		if err != nil {
			continue
		}
		wentLive[c.ID] = c
		in.Suspects = append(in.Suspects, prompts.Suspect{ID: c.ID, Kind: c.Kind, Title: c.Title, Time: c.Time, Repo: c.Repo,
			Reasons: []string{wentLiveReason(out.At, c.Time)}, Excerpt: strings.TrimSpace(e.Body + "\n" + e.Diff)})
	}
	stream := live != nil
	// Truncate off: a prompt over the context is an error to act on, not a
	// prompt the server silently cuts in the middle (its default).
	truncate := false
	cctx, cancel := context.WithTimeout(ctx, chatTimeout)
	defer cancel()
	var reply strings.Builder
	var doneReason string
	done := false
	// The budget is in characters, and some text (code, other scripts)
	// takes far more tokens a character than prose: a prompt the server
	// finds over the context is sent again at half the size, down to a
	// quarter. The server refuses before it writes a token, so nothing has
	// been shown yet.
	var err error
	for budget := chatPromptChars; ; budget /= 2 {
		system, user, perr := prompts.Explain(cloneExplainInput(in), budget)
		if perr != nil {
			return []string{fmt.Sprintf("preparing the model prompt failed (%v): showing retrieval only", perr)}
		}
		req := &api.ChatRequest{
			Model:    model,
			Messages: []api.Message{{Role: "system", Content: system}, {Role: "user", Content: user}},
			Stream:   &stream,
			Format:   prompts.ExplainSchema,
			Options:  map[string]any{"num_ctx": chatNumCtx, "num_predict": chatNumPredict, "temperature": 0, "seed": 1},
			Truncate: &truncate,
		}
		err = c.Chat(cctx, req, func(r api.ChatResponse) error {
			reply.WriteString(r.Message.Content)
			if live != nil {
				live.update(reply.String(), model)
			}
			if r.Done {
				done, doneReason = true, r.DoneReason
			}
			return nil
		})
		var se api.StatusError
		if err == nil || reply.Len() > 0 || budget <= chatPromptChars/4 || !errors.As(err, &se) || !isContextOverflow(se.ErrorMessage) {
			break
		}
		env.log.Debug("prompt over the model's context: sending it shorter", "model", model, "chars", budget/2)
	}
	// The client ends a stream without an error when the connection drops
	// or the context ends in the middle of it: only the done message tells a
	// whole reply.
	switch {
	case err == nil && done:
	case ctx.Err() != nil:
		return []string{"the explanation was interrupted: showing retrieval only"}
	case errors.Is(cctx.Err(), context.DeadlineExceeded) && reply.Len() == 0:
		return []string{fmt.Sprintf("Ollama at %s gave no answer within %s: showing retrieval only", host, bound(chatTimeout))}
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		return []string{fmt.Sprintf("Ollama at %s did not finish its answer within %s: showing retrieval only", host, bound(chatTimeout))}
	case err != nil:
		return []string{chatFailure(err, host, model)}
	default:
		return []string{fmt.Sprintf("Ollama at %s stopped answering in the middle of its reply: showing retrieval only", host)}
	}
	if doneReason == "length" {
		return []string{"the model's answer was cut short by its token limit: showing retrieval only"}
	}
	var ex prompts.Explanation
	if err := json.Unmarshal([]byte(reply.String()), &ex); err != nil {
		return []string{"the model's answer was not valid JSON: showing retrieval only"}
	}
	out.Models.Chat = model
	var warnings []string
	// Room for the changes that went live, so pointers stay valid.
	out.Suspects = slices.Grow(out.Suspects, len(wentLive))
	var top float64 // the best retrieval score
	byID := map[string]*suspectJSON{}
	for i := range out.Suspects {
		byID[out.Suspects[i].ID] = &out.Suspects[i]
		top = max(top, out.Suspects[i].Score)
	}
	var added []string
	for _, es := range ex.Suspects {
		s, ok := byID[es.ID]
		if c, live := wentLive[es.ID]; !ok && live {
			// A change that went live just before, which the model chose
			// though no word of the incident matched it.
			out.Suspects = append(out.Suspects, suspectJSON{Rank: len(out.Suspects) + 1, ID: c.ID, Kind: c.Kind, Ref: c.Ref, Repo: c.Repo, Time: c.Time,
				Title: c.Title, Reasons: []string{wentLiveReason(out.At, c.Time), "chosen by the model from what went live"}})
			s, ok = &out.Suspects[len(out.Suspects)-1], true
			byID[es.ID] = s
			added = append(added, es.ID)
		}
		if !ok {
			warnings = append(warnings, fmt.Sprintf("the model cited %q, which is not among the suspects: ignored", oneLine(es.ID, 40)))
			continue
		}
		conf := min(max(es.Confidence, 0), 1)
		s.Confidence = &conf
		s.Why = strings.TrimSpace(es.Why)
	}
	// Retrieval found nothing related, so a change the model chose from
	// what went live starts from the best retrieval score; fusion then
	// lifts it by the model's confidence, as it lifts the others.
	for _, id := range added {
		byID[id].Score = top
	}
	out.Summary = strings.TrimSpace(ex.Summary)
	if ex.None && out.Summary == "" {
		out.Summary = "The model found none of these changes a plausible cause."
	}
	return warnings
}

// wentLiveReason says how long before the incident (at) a change went live.
func wentLiveReason(at, live string) string {
	a, _ := time.Parse(time.RFC3339, at)
	l, _ := time.Parse(time.RFC3339, live)
	return "went live " + humanAge(a.Sub(l)) + " before the incident; no word of it matched the incident"
}

// cloneExplainInput copies what prompts.Explain cuts and fences in place,
// so the same input can be rendered again at another budget.
func cloneExplainInput(in prompts.ExplainInput) prompts.ExplainInput {
	in.Suspects = slices.Clone(in.Suspects)
	for i := range in.Suspects {
		in.Suspects[i].Reasons = slices.Clone(in.Suspects[i].Reasons)
	}
	return in
}

// chatFailure words a failed chat call as one warning line. The server's
// own words appear only cut short: a warning is one line.
func chatFailure(err error, host, model string) string {
	var se api.StatusError
	var ae api.AuthorizationError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var ue *url.Error
	switch {
	case errors.As(err, &se):
		msg := strings.TrimSpace(se.ErrorMessage)
		switch {
		case se.StatusCode == http.StatusNotFound:
			return fmt.Sprintf("chat model %s is not pulled: showing retrieval only (run 'ollama pull %s')", model, model)
		case isContextOverflow(msg):
			return fmt.Sprintf("the prompt did not fit the context of %s, even cut short: showing retrieval only (try a chat model with a larger context)", model)
		case se.StatusCode == http.StatusBadRequest:
			return fmt.Sprintf("%s cannot chat (%s): showing retrieval only", model, oneLine(msg, 80))
		case msg == "":
			msg = se.Error()
		}
		return fmt.Sprintf("Ollama at %s answered with an error (%s): showing retrieval only", host, oneLine(msg, 80))
	case errors.As(err, &ae):
		return fmt.Sprintf("Ollama at %s refused the request (%s): showing retrieval only", host, oneLine(ae.Error(), 80))
	case errors.As(err, &syntax), errors.As(err, &typ):
		return fmt.Sprintf("Ollama at %s sent a reply analyst cannot read: showing retrieval only", host)
	case errors.As(err, &ue), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		// Refused, reset, or closed before an answer: the server died or
		// restarted after it answered the heartbeat.
		return fmt.Sprintf("Ollama at %s stopped answering: showing retrieval only", host)
	}
	// A plain error in the middle of a stream: the server's own message
	// ({"error": …} with status 200), or a line that is not JSON at all.
	return fmt.Sprintf("Ollama at %s broke off its reply (%s): showing retrieval only", host, oneLine(err.Error(), 60))
}

// isContextOverflow reports whether a server error says the prompt exceeds
// the context: Ollama answers 400 for that as for a model that cannot chat,
// and only its words tell them apart ("the input length exceeds the context
// length" from both runners of v0.17.4, "input exceeds maximum context
// length" from its embed route).
func isContextOverflow(msg string) bool {
	return strings.Contains(strings.ToLower(msg), "context length")
}

// bound prints a timeout for a message: "2 min", "90 s", "50ms".
func bound(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d >= time.Second:
		return fmt.Sprintf("%d s", int(d.Round(time.Second).Seconds()))
	}
	return d.String()
}

// modelWeight is how much a model's confidence can lift a suspect's score:
// a suspect the model is sure of gains up to half its score again. Fused,
// never replaced: the model only reorders what retrieval found, and a
// suspect it drops keeps its retrieval score.
const modelWeight = 0.5

// fuseModel reorders the suspects by retrieval score lifted by the model's
// confidence, and renumbers them. Without a model's answer (or with its
// answer "none of these") nothing changes.
func fuseModel(out *askJSON) {
	moved := false
	for i := range out.Suspects {
		s := &out.Suspects[i]
		if s.Confidence != nil && *s.Confidence > 0 {
			s.Score = round3(s.Score * (1 + modelWeight**s.Confidence))
			moved = true
		}
	}
	if !moved {
		return
	}
	sort.SliceStable(out.Suspects, func(a, b int) bool { return out.Suspects[a].Score > out.Suspects[b].Score })
	for i := range out.Suspects {
		out.Suspects[i].Rank = i + 1
	}
}

// summaryStream writes the "summary" string of a JSON reply while the reply
// is still arriving: the schema puts summary first, so a reader sees the
// explanation as the model writes it.
type summaryStream struct {
	w       io.Writer
	printed int  // runes of the summary written so far
	started bool // header written
}

// update takes the reply so far and writes what is new of its summary.
func (s *summaryStream) update(reply, model string) {
	text, ok := partialJSONString(reply, "summary")
	if !ok {
		return
	}
	runes := []rune(text)
	if len(runes) <= s.printed {
		return
	}
	if !s.started {
		fmt.Fprintf(s.w, "Explanation (%s):\n", model)
		s.started = true
	}
	fmt.Fprint(s.w, string(runes[s.printed:]))
	s.printed = len(runes)
}

// cut marks a streamed explanation that will not be completed, so the part
// already written does not pass for the model's whole answer.
func (s *summaryStream) cut() {
	if s.started {
		fmt.Fprint(s.w, "\n[explanation cut off here: the suspects above stand without it]")
	}
}

// finish ends the streamed text with a blank line.
func (s *summaryStream) finish() {
	if s.started {
		fmt.Fprint(s.w, "\n\n")
	}
}

// partialJSONString returns the value, decoded as far as it has arrived, of
// the first string member named key in a possibly unfinished JSON object.
func partialJSONString(doc, key string) (string, bool) {
	i := strings.Index(doc, `"`+key+`"`)
	if i < 0 {
		return "", false
	}
	rest := strings.TrimLeft(doc[i+len(key)+2:], " \t\r\n")
	if !strings.HasPrefix(rest, ":") {
		return "", false
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if !strings.HasPrefix(rest, `"`) {
		return "", false
	}
	rest = rest[1:]
	var b strings.Builder
	for k := 0; k < len(rest); k++ {
		c := rest[k]
		switch {
		case c == '"':
			return b.String(), true
		case c != '\\':
			b.WriteByte(c)
		case k+1 >= len(rest):
			return b.String(), true // an escape not complete yet
		default:
			k++
			switch e := rest[k]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
			case 'u':
				if k+4 >= len(rest) {
					return b.String(), true
				}
				if r, err := strconv.ParseUint(rest[k+1:k+5], 16, 32); err == nil {
					b.WriteRune(rune(r))
				}
				k += 4
			default: // " \\ / b f
				b.WriteByte(e)
			}
		}
	}
	return strings.ToValidUTF8(b.String(), ""), true
}
