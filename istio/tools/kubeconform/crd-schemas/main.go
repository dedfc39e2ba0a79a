// crd-schemas writes a JSON schema per kind and version of the CustomResourceDefinitions in a
// YAML file (Istio's kubernetes/customresourcedefinitions.gen.yaml), laid out for kubeconform:
//
//	crd-schemas <crds.yaml> <out-dir>
//	kubeconform -strict -schema-location '<out-dir>/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json' ...
//
// Each schema is the version's openAPIV3Schema with apiVersion, kind and metadata described at
// the top, and, as kubeconform's -strict schemas do for Kubernetes' own kinds, "additionalProperties:
// false" on every object that lists its properties and does not keep unknown fields
// (x-kubernetes-preserve-unknown-fields), so a misspelt or unknown field is an error.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

type crd struct {
	Kind string `json:"kind"`
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

// strict closes every object schema that lists properties and keeps no unknown fields.
func strict(node any) {
	switch n := node.(type) {
	case map[string]any:
		_, hasProps := n["properties"]
		_, hasAdditional := n["additionalProperties"]
		preserve, _ := n["x-kubernetes-preserve-unknown-fields"].(bool)
		if hasProps && !hasAdditional && !preserve {
			n["additionalProperties"] = false
		}
		for _, v := range n {
			strict(v)
		}
	case []any:
		for _, v := range n {
			strict(v)
		}
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: crd-schemas <crds.yaml> <out-dir>")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	written := 0
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var c crd
		if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
			fmt.Fprintln(os.Stderr, "crd-schemas:", err)
			os.Exit(1)
		}
		if c.Kind != "CustomResourceDefinition" {
			continue
		}
		for _, v := range c.Spec.Versions {
			s := v.Schema.OpenAPIV3Schema
			if s == nil {
				continue
			}
			props, _ := s["properties"].(map[string]any)
			if props == nil {
				props = map[string]any{}
				s["properties"] = props
			}
			props["apiVersion"] = map[string]any{"type": "string", "enum": []string{c.Spec.Group + "/" + v.Name}}
			props["kind"] = map[string]any{"type": "string", "enum": []string{c.Spec.Names.Kind}}
			props["metadata"] = map[string]any{"type": "object"}
			strict(s)
			out := filepath.Join(os.Args[2], c.Spec.Group, strings.ToLower(c.Spec.Names.Kind)+"_"+v.Name+".json")
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			j, _ := json.MarshalIndent(s, "", "  ")
			if err := os.WriteFile(out, append(j, '\n'), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			written++
		}
	}
	if written == 0 {
		fmt.Fprintln(os.Stderr, "crd-schemas: no CustomResourceDefinition with a schema in", os.Args[1])
		os.Exit(1)
	}
	fmt.Printf("crd-schemas: %d schemas in %s\n", written, os.Args[2])
}
