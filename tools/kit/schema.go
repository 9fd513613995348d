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
			Description: "From the confirmation preview: repeat the call with it to execute.",
		})
	}
	return s
}

// outputSchema reflects R's top level only, without descriptions: nested
// objects are just "object" and arrays of objects just "array". The field
// lists of results are in each tool's structured content and text; the
// whole tools/list is paid for on every conversation, and its budget (40 KB
// for every toolset together) is spent on what helps a model choose and
// call a tool: descriptions and input schemas. Output schemas set no
// required keys and allow extra ones, so a confirmable tool's preview answer
// validates too; its keys are added so the model knows them.
func outputSchema[R any](confirmable bool) *jsonschema.Schema {
	var s *jsonschema.Schema
	if reflect.TypeFor[R]().Kind() == reflect.Struct {
		s = reflector(true).Reflect(new(R))
	} else {
		s = &jsonschema.Schema{Type: "object"}
	}
	s.Version = ""
	compact(s, 1)
	if confirmable {
		for _, k := range []string{"confirmation_required", "confirm_token", "preview"} {
			typ := map[string]string{"confirmation_required": "boolean", "confirm_token": "string", "preview": "object"}[k]
			s.Properties.Set(k, &jsonschema.Schema{Type: typ})
		}
	}
	return s
}

const maxOutputDepth = 1

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
	if s.Type == "array" && s.Items != nil && s.Items.Type == "object" && depth > maxOutputDepth {
		s.Items = nil
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
