package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// methodWithDetail checks that a methods list holds a method of a type with a given detail.
type methodWithDetail struct {
	addr, methodType, field, want string
	attribute                     string
}

func (c methodWithDetail) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	attribute := c.attribute
	if attribute == "" {
		attribute = "methods"
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != c.addr {
			continue
		}
		methods, _ := r.AttributeValues[attribute].([]any)
		for _, raw := range methods {
			m, _ := raw.(map[string]any)
			if m["type"] == c.methodType && m[c.field] == c.want {
				return
			}
		}
		resp.Error = fmt.Errorf("%s.%s has no %s method with %s = %q: %v", c.addr, attribute, c.methodType, c.field, c.want, methods)
		return
	}
	resp.Error = fmt.Errorf("%s is not in the state", c.addr)
}

// errorMatching builds a pattern from phrases that must appear in order in an error: the CLI wraps long
// messages, so the spaces inside a phrase match any whitespace.
func errorMatching(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		parts[i] = strings.Join(strings.Fields(regexp.QuoteMeta(p)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}
