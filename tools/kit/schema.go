package kit

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"
	orderedmap "github.com/pb33f/ordered-map/v2"
)

type contextT = context.Context

// ConfirmTokenArg is the argument that carries a confirm token.
const ConfirmTokenArg = "confirm_token"

func reflector(forOutput bool) *jsonschema.Reflector {
	return &jsonschema.Reflector{
		DoNotReference:             true,
		ExpandedStruct:             true,
		Anonymous:                  true,
		RequiredFromJSONSchemaTags: true,
		AllowAdditionalProperties:  forOutput,
	}
}

// inputSchema reflects A. Confirmable tools also take confirm_token.
func inputSchema[A any](confirmable bool) *jsonschema.Schema {
	s := reflector(false).Reflect(new(A))
	s.Version = ""
	if s.Properties == nil {
		s.Properties = orderedmap.New[string, *jsonschema.Schema]()
	}
	for p := s.Properties.Oldest(); p != nil; p = p.Next() {
		if p.Value.Description == "" {
			p.Value.Description = commonParams[p.Key]
		}
	}
	if confirmable {
		s.Properties.Set(ConfirmTokenArg, &jsonschema.Schema{
			Type:        "string",
			Description: "From a confirmation_required answer; repeat the call with it.",
		})
	}
	return s
}

// commonParams describe the parameters many tools share, where a tool
// gives no description of its own: one wording everywhere, written once.
var commonParams = map[string]string{
	"target": "From list_targets; optional if only one.",
	"svm":    "SVM name, to tell apart same-named volumes.",
	"limit":  "Max items: default 50, up to 500.",
	"page":   "0-based; pass next_page to continue.",
}

// outputSchema describes R's top level only. The field lists of results are in each tool's structured content and text; the
// whole tools/list is paid for on every conversation, and its budget (50 KB
// for every toolset together) is spent on what helps a model choose and
// call a tool: descriptions and input schemas. Output schemas set no
// required keys and allow extra ones, so a confirmable tool's preview answer
// ({confirmation_required, confirm_token, preview}) validates too; the
// confirm_token argument's description and the server instructions name
// those keys once instead of in every confirmable tool's output schema.
//
// So the schema names the top-level fields only, each the empty schema {}:
// what a result holds is told by its names and the data itself, and types
// would cost 3.5 KB of every tools/list.
func outputSchema[R any]() (json.RawMessage, error) {
	var names []string
	if reflect.TypeFor[R]().Kind() == reflect.Struct {
		if s := reflector(true).Reflect(new(R)); s.Properties != nil {
			for p := s.Properties.Oldest(); p != nil; p = p.Next() {
				names = append(names, p.Key)
			}
		}
	}
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i, k := range names {
		name, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(name)
		b.WriteString(":{}")
	}
	b.WriteString("}}")
	return json.RawMessage(b.String()), nil
}
