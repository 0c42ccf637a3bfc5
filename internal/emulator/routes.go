package emulator

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// route is one Graph operation. pattern uses the documented camelCase segment names; "{id}" marks a path
// parameter. Matching is case-insensitive, and the log reports the pattern, never the client's spelling.
type route struct {
	method   string
	pattern  string
	segs     []string
	template string // "POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods"
	perms    []string
	permit   func(*principal, Settings) bool // when set, decides instead of perms (permission pairs)
	svc      service
	readOnly bool // a POST that writes nothing (checkMemberGroups, getByIds, $batch)
	unlocked bool // runs without the tenant lock ($batch, which re-enters the pipeline)
	handle   func(*call) reply
}

// call is one matched Graph request. Handlers run with the tenant lock held unless the route is unlocked,
// so they may read and write c.s freely.
type call struct {
	e      *Emulator
	t      *tenant
	s      *tenantState
	p      *principal
	rt     *route
	ctx    context.Context
	x      *exchange
	params []string
	path   string // decoded path including /v1.0, for nextLinks
	query  url.Values
	body   []byte
	now    time.Time // tenant clock
	abort  string    // set by $batch when a sub-request's fault drops the connection
}

const pathParam = "{id}"

// graphRoutes is filled in init: the $batch handler re-enters the router, which a package-level
// initializer could not refer to without an initialization cycle.
var graphRoutes []*route

func init() { graphRoutes = buildRoutes() }

func buildRoutes() []*route {
	var rs []*route
	add := func(method, pattern string, svc service, perms []string, h func(*call) reply) *route {
		rt := &route{method: method, pattern: pattern, segs: strings.Split(pattern, "/"), template: method + " /v1.0/" + pattern,
			perms: perms, svc: svc, handle: h}
		rs = append(rs, rt)
		return rt
	}
	get, post, patch, del := http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete

	add(post, "$batch", svcGraph, nil, (*call).batch).unlocked = true
	rs[len(rs)-1].readOnly = true

	// Directory.
	add(get, "users", svcDirectory, permUserRead, (*call).listUsers)
	add(post, "users", svcDirectory, permUserWrite, (*call).createUser)
	add(get, "users/{id}", svcDirectory, permUserRead, (*call).getUser)
	add(patch, "users/{id}", svcDirectory, permUserWrite, (*call).updateUser)
	add(del, "users/{id}", svcDirectory, permUserWrite, (*call).deleteUser)
	add(get, "users/{id}/memberOf", svcDirectory, permMembershipRead, (*call).memberOf)
	add(get, "users/{id}/transitiveMemberOf", svcDirectory, permMembershipRead, (*call).transitiveMemberOf)
	cmg := add(post, "users/{id}/checkMemberGroups", svcDirectory, permMembershipRead, (*call).checkMemberGroups)
	cmg.readOnly, cmg.permit = true, userCheckMemberGroupsPermitted
	add(get, "groups", svcDirectory, permGroupRead, (*call).listGroups)
	add(post, "groups", svcDirectory, permGroupWrite, (*call).createGroup)
	add(get, "groups/{id}", svcDirectory, permGroupRead, (*call).getGroup)
	add(del, "groups/{id}", svcDirectory, permGroupWrite, (*call).deleteGroup)
	add(get, "groups/{id}/members", svcDirectory, permGroupRead, (*call).listMembers)
	add(post, "groups/{id}/members/$ref", svcDirectory, permMemberWrite, (*call).addMember)
	add(del, "groups/{id}/members/{id}/$ref", svcDirectory, permMemberWrite, (*call).removeMember)
	add(get, "groups/{id}/transitiveMembers", svcDirectory, permGroupRead, (*call).transitiveMembers)
	add(get, "groups/{id}/memberOf", svcDirectory, permMembershipRead, (*call).memberOf)
	add(get, "groups/{id}/transitiveMemberOf", svcDirectory, permMembershipRead, (*call).transitiveMemberOf)
	add(post, "groups/{id}/checkMemberGroups", svcDirectory, permMembershipRead, (*call).checkMemberGroups).readOnly = true
	add(post, "directoryObjects/getByIds", svcDirectory, permDirectoryObject, (*call).getByIds).readOnly = true

	// Delivery (manager.go, mail.go).
	add(get, "users/{id}/manager", svcDirectory, permUserRead, (*call).getManager)
	add(get, "users/{id}/manager/$ref", svcDirectory, permUserRead, (*call).getManagerRef)
	add(http.MethodPut, "users/{id}/manager/$ref", svcDirectory, permUserWrite, (*call).setManager)
	add(del, "users/{id}/manager/$ref", svcDirectory, permUserWrite, (*call).deleteManager)
	add(post, "users/{id}/sendMail", svcMail, permMailSend, (*call).sendMail)

	// Authentication methods policy (spec §2, §3).
	const policyRoot = "policies/authenticationMethodsPolicy"
	const configs = policyRoot + "/authenticationMethodConfigurations"
	add(get, policyRoot, svcAuthMethods, permPolicyRead, (*call).getRootPolicy)
	add(patch, policyRoot, svcAuthMethods, permPolicyWrite, (*call).patchRootPolicy)
	add(get, configs, svcAuthMethods, permPolicyRead, (*call).listConfigurations)
	add(get, configs+"/{id}", svcAuthMethods, permPolicyRead, (*call).getConfiguration)
	add(patch, configs+"/{id}", svcAuthMethods, permPolicyWrite, (*call).patchConfiguration)
	add(del, configs+"/{id}", svcAuthMethods, permPolicyWrite, (*call).deleteConfiguration)

	// User authentication methods (spec §4, §5).
	const auth = "users/{id}/authentication"
	add(get, auth+"/methods", svcAuthMethods, permMethodsRead, (*call).listAllMethods)
	add(get, auth+"/methods/{id}", svcAuthMethods, permMethodsRead, (*call).getAnyMethod)
	add(post, auth+"/temporaryAccessPassMethods", svcAuthMethods, permTAPWrite, (*call).createTAP)
	add(get, auth+"/temporaryAccessPassMethods", svcAuthMethods, permTAPRead, (*call).listTAPs)
	add(get, auth+"/temporaryAccessPassMethods/{id}", svcAuthMethods, permTAPRead, (*call).getTAP)
	add(del, auth+"/temporaryAccessPassMethods/{id}", svcAuthMethods, permTAPWrite, (*call).deleteTAP)
	for _, k := range methodKinds {
		add(get, auth+"/"+k.collection, svcAuthMethods, permMethodsRead, func(c *call) reply { return c.listMethods(k) })
		add(get, auth+"/"+k.collection+"/{id}", svcAuthMethods, permMethodsRead, func(c *call) reply { return c.getMethod(k) })
		add(del, auth+"/"+k.collection+"/{id}", svcAuthMethods, permMethodsWrite, func(c *call) reply { return c.deleteMethod(k) })
	}
	return rs
}

// permitted reports whether the caller's roles allow the route.
func (rt *route) permitted(p *principal, s Settings) bool {
	if rt.permit != nil {
		return rt.permit(p, s)
	}
	return len(rt.perms) == 0 || p.hasAny(rt.perms)
}

// normalizeSegment drops the optional "microsoft.graph." namespace of bound actions.
func normalizeSegment(s string) string {
	if len(s) > 16 && strings.EqualFold(s[:16], "microsoft.graph.") {
		return s[16:]
	}
	return s
}

// matchRoute finds the route for method and decoded segments. pathRoute is a route with the same path
// but another method (for 405); it is nil when the path itself is unknown.
func matchRoute(method string, segs []string) (rt *route, params []string, pathRoute *route) {
	for _, cand := range graphRoutes {
		if len(cand.segs) != len(segs) {
			continue
		}
		var ps []string
		ok := true
		for i, lit := range cand.segs {
			if lit == pathParam {
				if segs[i] == "" {
					ok = false
					break
				}
				ps = append(ps, segs[i])
				continue
			}
			if !strings.EqualFold(normalizeSegment(segs[i]), lit) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if cand.method == method {
			return cand, ps, cand
		}
		if pathRoute == nil {
			pathRoute = cand
		}
	}
	return nil, nil, pathRoute
}

// unknownSegment names the first segment no route knows, for Graph's "Resource not found for the segment".
func unknownSegment(segs []string) string {
	for i := range segs {
		known := false
		for _, rt := range graphRoutes {
			if len(rt.segs) <= i {
				continue
			}
			prefixOK := true
			for j := 0; j <= i; j++ {
				if rt.segs[j] != pathParam && !strings.EqualFold(normalizeSegment(segs[j]), rt.segs[j]) {
					prefixOK = false
					break
				}
			}
			if prefixOK {
				known = true
				break
			}
		}
		if !known {
			return segs[i]
		}
	}
	if len(segs) == 0 {
		return ""
	}
	return segs[len(segs)-1]
}

// splitSegments splits an escaped path and decodes each segment on its own, so an encoded '/' or '#'
// inside a UPN (%23EXT%23) stays inside its segment.
func splitSegments(escaped string) ([]string, error) {
	escaped = strings.Trim(escaped, "/")
	if escaped == "" {
		return nil, nil
	}
	raw := strings.Split(escaped, "/")
	out := make([]string, len(raw))
	for i, s := range raw {
		d, err := url.PathUnescape(s)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}
