package emulator

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// graphSegment is one decoded path segment. raw is its spelling on the wire; keyed marks a key that came
// from the parenthesised OData form users('key'), which Graph documents for UPNs that begin with '$'.
type graphSegment struct {
	value string
	raw   string
	keyed bool
}

type graphPath []graphSegment

func (p graphPath) values() []string {
	out := make([]string, len(p))
	for i, s := range p {
		out[i] = s.value
	}
	return out
}

// keySegment matches the OData key syntax collection('key'), with ” standing for a quote inside the key.
var keySegment = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9.]*)\('((?:[^']|'')*)'\)$`)

// parseGraphPath splits an escaped path and decodes each segment on its own, so an encoded '/' or '#'
// inside a UPN (%23EXT%23) stays inside its segment. A segment users('x@y') becomes the two segments
// users and x@y, so every route that takes {id | userPrincipalName} also takes the key form.
func parseGraphPath(escaped string) (graphPath, error) {
	escaped = strings.Trim(escaped, "/")
	if escaped == "" {
		return nil, nil
	}
	var out graphPath
	for _, raw := range strings.Split(escaped, "/") {
		d, err := url.PathUnescape(raw)
		if err != nil {
			return nil, err
		}
		if m := keySegment.FindStringSubmatch(d); m != nil {
			out = append(out, graphSegment{value: m[1], raw: raw},
				graphSegment{value: strings.ReplaceAll(m[2], "''", "'"), raw: raw, keyed: true})
			continue
		}
		out = append(out, graphSegment{value: d, raw: raw})
	}
	return out, nil
}

// dollarUPN returns the collection name when the path addresses a user as /users/$x@y, which Graph
// refuses with 400 ("this request URL violates the OData URL convention, which expects only system query
// options to be prefixed with a $ character", user-get page). mode is settings.dollarUserPath: "reject"
// also refuses the percent-encoded %24x@y (Graph decodes the path before parsing it: the .NET SDK, which
// encodes '$', gets the same error), "rejectLiteral" refuses only a literal '$', "allow" neither.
// Segments without '@' ($ref, $count, ...) are OData's own and are left alone.
func (p graphPath) dollarUPN(mode string) string {
	if mode == "allow" {
		return ""
	}
	for i := 1; i < len(p); i++ {
		s := p[i]
		if s.keyed || !strings.HasPrefix(s.value, "$") || !strings.Contains(s.value, "@") ||
			!strings.EqualFold(p[i-1].value, "users") || p[i-1].keyed {
			continue
		}
		if mode == "rejectLiteral" && !strings.HasPrefix(s.raw, "$") {
			continue
		}
		return p[i-1].value
	}
	return ""
}

// collectionSegmentError is Graph's 400 for a '$' segment after a collection, as reported for
// /users/$abc@def.com (https://github.com/microsoftgraph/msgraph-sdk-dotnet/issues/2635).
func collectionSegmentError(collection string) reply {
	return badRequest(svcGraph, fmt.Sprintf("The request URI is not valid. Since the segment '%s' refers to a collection, "+
		"this must be the last segment in the request URI or it must be followed by an function or action that can be "+
		"bound to it otherwise all intermediate segments must refer to a single resource.", collection))
}
