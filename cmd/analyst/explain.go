package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
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
	chatTimeout     = 120 * time.Second
	explainSuspects = 5 // how many of the ranked suspects the model sees
)

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
	system, user, err := prompts.Explain(in, chatPromptChars)
	if err != nil {
		return []string{fmt.Sprintf("preparing the model prompt failed (%v): showing retrieval only", err)}
	}
	stream := live != nil
	req := &api.ChatRequest{
		Model:    model,
		Messages: []api.Message{{Role: "system", Content: system}, {Role: "user", Content: user}},
		Stream:   &stream,
		Format:   prompts.ExplainSchema,
		Options:  map[string]any{"num_ctx": chatNumCtx, "num_predict": chatNumPredict, "temperature": 0, "seed": 1},
	}
	cctx, cancel := context.WithTimeout(ctx, chatTimeout)
	defer cancel()
	var reply strings.Builder
	var doneReason string
	err = c.Chat(cctx, req, func(r api.ChatResponse) error {
		reply.WriteString(r.Message.Content)
		if live != nil {
			live.update(reply.String(), model)
		}
		if r.Done {
			doneReason = r.DoneReason
		}
		return nil
	})
	if err != nil {
		var se api.StatusError
		switch {
		case errors.As(err, &se) && se.StatusCode == 404:
			return []string{fmt.Sprintf("chat model %s is not pulled: showing retrieval only (run 'ollama pull %s')", model, model)}
		case errors.As(err, &se) && se.StatusCode == 400:
			return []string{fmt.Sprintf("%s cannot chat (%s): showing retrieval only", model, strings.TrimSpace(se.ErrorMessage))}
		case errors.Is(cctx.Err(), context.DeadlineExceeded):
			return []string{fmt.Sprintf("the model gave no answer within %s: showing retrieval only", chatTimeout)}
		}
		return []string{fmt.Sprintf("the model failed (%v): showing retrieval only", err)}
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
	byID := map[string]*suspectJSON{}
	for i := range out.Suspects {
		byID[out.Suspects[i].ID] = &out.Suspects[i]
	}
	for _, es := range ex.Suspects {
		s, ok := byID[es.ID]
		if !ok {
			warnings = append(warnings, fmt.Sprintf("the model cited %q, which is not among the suspects: ignored", oneLine(es.ID, 40)))
			continue
		}
		conf := min(max(es.Confidence, 0), 1)
		s.Confidence = &conf
		s.Why = strings.TrimSpace(es.Why)
	}
	out.Summary = strings.TrimSpace(ex.Summary)
	if ex.None && out.Summary == "" {
		out.Summary = "The model found none of these changes a plausible cause."
	}
	return warnings
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
