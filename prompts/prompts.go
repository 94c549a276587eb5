// Package prompts holds every word analyst sends to a model, as embedded
// templates versioned with the code, and the shapes of the replies it asks
// for.
//
// Incident text and journal entries are data: they are fenced between
// markers and the system prompt says so. Inputs are cut to a character
// budget so the prompt fits the context window the caller sets.
package prompts

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
)

//go:embed explain.tmpl
var explainText string

var explainTmpl = template.Must(template.New("explain").Parse(explainText))

// Suspect is one change shown to the model.
type Suspect struct {
	ID      string
	Kind    string
	Title   string
	Time    string
	Repo    string
	Reasons []string
	// Excerpt is the change's text (message and diff); it is cut to fit.
	Excerpt string
}

// ExplainInput is what the explanation prompt is made from.
type ExplainInput struct {
	Incident string
	At       string
	Suspects []Suspect
	// Keep is how many suspects the model may keep. Default 3.
	Keep int
}

// Explain renders the system and user messages, cutting the incident and the
// excerpts so that the user message stays within budget characters.
func Explain(in ExplainInput, budget int) (system, user string, err error) {
	if in.Keep <= 0 {
		in.Keep = 3
	}
	in.Incident = fence(cut(in.Incident, budget/4))
	fixed := len(in.Incident) + 600
	for i := range in.Suspects {
		s := &in.Suspects[i]
		s.Title = fence(s.Title)
		for k := range s.Reasons {
			s.Reasons[k] = fence(s.Reasons[k])
		}
		fixed += 200 + len(s.Title)
		for _, r := range s.Reasons {
			fixed += len(r) + 8
		}
	}
	if n := len(in.Suspects); n > 0 {
		per := max((budget-fixed)/n, 0)
		for i := range in.Suspects {
			in.Suspects[i].Excerpt = fence(cut(in.Suspects[i].Excerpt, per))
		}
	}
	var sys, usr bytes.Buffer
	if err := explainTmpl.ExecuteTemplate(&sys, "system", in); err != nil {
		return "", "", fmt.Errorf("rendering prompt: %w", err)
	}
	if err := explainTmpl.ExecuteTemplate(&usr, "user", in); err != nil {
		return "", "", fmt.Errorf("rendering prompt: %w", err)
	}
	return sys.String(), usr.String(), nil
}

// cut shortens s to at most n bytes on a line boundary where it can.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	s = s[:n]
	if i := strings.LastIndexByte(s, '\n'); i > n/2 {
		s = s[:i]
	}
	return strings.ToValidUTF8(s, "") + "\n[…cut]"
}

// fence keeps data from closing its own markers.
func fence(s string) string {
	r := strings.NewReplacer("<<<", "< < <", ">>>", "> > >")
	return r.Replace(s)
}

// Explanation is the reply the model must give (see ExplainSchema).
type Explanation struct {
	Suspects []ExplainedSuspect `json:"suspects"`
	None     bool               `json:"none"`
	Summary  string             `json:"summary"`
}

// ExplainedSuspect is one change the model kept.
type ExplainedSuspect struct {
	ID         string  `json:"id"`
	Confidence float64 `json:"confidence"`
	Why        string  `json:"why"`
}

// ExplainSchema is the JSON schema passed as the chat request's format: the
// server constrains decoding to it, so the reply always parses (unless cut
// short by the token limit). The summary comes first: decoding follows the
// schema's order, so a streamed reply shows the explanation early.
var ExplainSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "summary": {"type": "string"},
    "suspects": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "id": {"type": "string"},
          "confidence": {"type": "number", "minimum": 0, "maximum": 1},
          "why": {"type": "string"}
        },
        "required": ["id", "confidence", "why"]
      }
    },
    "none": {"type": "boolean"}
  },
  "required": ["summary", "suspects", "none"]
}`)

//go:embed enrich.tmpl
var enrichText string

var enrichTmpl = template.Must(template.New("enrich").Parse(enrichText))

// EnrichInput is one change to describe (document expansion).
type EnrichInput struct {
	Kind, Title, Time, Repo string
	Paths                   string
	// Excerpt is the change's text (message and diff); it is cut to fit.
	Excerpt string
}

// Enrich renders the system and user messages for describing one change,
// cutting the excerpt so that the user message stays within budget
// characters.
func Enrich(in EnrichInput, budget int) (system, user string, err error) {
	in.Title = fence(cut(in.Title, 300))
	in.Paths = fence(cut(in.Paths, 600))
	in.Excerpt = fence(cut(in.Excerpt, max(budget-len(in.Title)-len(in.Paths)-300, 0)))
	var sys, usr bytes.Buffer
	if err := enrichTmpl.ExecuteTemplate(&sys, "system", in); err != nil {
		return "", "", fmt.Errorf("rendering prompt: %w", err)
	}
	if err := enrichTmpl.ExecuteTemplate(&usr, "user", in); err != nil {
		return "", "", fmt.Errorf("rendering prompt: %w", err)
	}
	return sys.String(), usr.String(), nil
}

// Enrichment is the reply the model must give (see EnrichSchema).
type Enrichment struct {
	Behaviour string   `json:"behaviour"`
	Symptoms  []string `json:"symptoms"`
}

// Text is the enrichment as stored and indexed beside the change.
func (e Enrichment) Text() string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(e.Behaviour))
	var syms []string
	for _, s := range e.Symptoms {
		if s = strings.TrimSpace(s); s != "" {
			syms = append(syms, s)
		}
	}
	if len(syms) > 0 {
		b.WriteString("\nSymptoms: ")
		b.WriteString(strings.Join(syms, "; "))
	}
	return b.String()
}

// EnrichSchema is the JSON schema of Enrichment, passed as the format.
var EnrichSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "behaviour": {"type": "string"},
    "symptoms": {"type": "array", "items": {"type": "string"}, "maxItems": 8}
  },
  "required": ["behaviour", "symptoms"]
}`)
