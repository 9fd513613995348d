package kit

import (
	"context"
	"reflect"

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
	if confirmable {
		s.Properties.Set(ConfirmTokenArg, &jsonschema.Schema{
			Type:        "string",
			Description: "Token from this tool's confirmation preview; repeat the call with the same arguments plus this token to execute.",
		})
	}
	return s
}

// outputSchema reflects R without descriptions and with nesting cut below
// three object levels: the model needs the shape, and every byte of
// tools/list is paid for on every conversation. Confirmable tools may also
// answer with a confirmation preview, so their schema admits either.
func outputSchema[R any](confirmable bool) *jsonschema.Schema {
	var s *jsonschema.Schema
	if reflect.TypeFor[R]().Kind() == reflect.Struct {
		s = reflector(true).Reflect(new(R))
	} else {
		s = &jsonschema.Schema{Type: "object"}
	}
	s.Version = ""
	compact(s, 1)
	if !confirmable {
		return s
	}
	c := reflector(true).Reflect(new(Confirmation))
	c.Version = ""
	compact(c, 1)
	return &jsonschema.Schema{Type: "object", AnyOf: []*jsonschema.Schema{s, c}}
}

const maxOutputDepth = 3

func compact(s *jsonschema.Schema, depth int) {
	if s == nil {
		return
	}
	s.Description = ""
	s.Title = ""
	s.Required = nil
	s.AdditionalProperties = nil
	if s.Type == "object" && depth > maxOutputDepth {
		s.Properties = nil
		return
	}
	if s.Properties != nil {
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			compact(p.Value, depth+1)
		}
	}
	if s.Items != nil {
		compact(s.Items, depth)
	}
}
