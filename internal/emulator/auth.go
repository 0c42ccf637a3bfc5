package emulator

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Application permission names, as app-only tokens carry them in "roles" (spec §8).
const (
	rolePolicyReadAuthMethod      = "Policy.Read.AuthenticationMethod"
	rolePolicyReadWriteAuthMethod = "Policy.ReadWrite.AuthenticationMethod"
	rolePolicyReadAll             = "Policy.Read.All"
	roleUAMReadWriteAll           = "UserAuthenticationMethod.ReadWrite.All"
	roleUAMReadAll                = "UserAuthenticationMethod.Read.All"
	roleTAPReadWriteAll           = "UserAuthMethod-TAP.ReadWrite.All"
	roleTAPReadAll                = "UserAuthMethod-TAP.Read.All"
	roleUserReadAll               = "User.Read.All"
	roleUserReadWriteAll          = "User.ReadWrite.All"
	roleGroupReadAll              = "Group.Read.All"
	roleGroupReadWriteAll         = "Group.ReadWrite.All"
	roleGroupMemberReadAll        = "GroupMember.Read.All"
	roleGroupMemberReadWriteAll   = "GroupMember.ReadWrite.All"
	roleDirectoryReadAll          = "Directory.Read.All"
	roleDirectoryReadWriteAll     = "Directory.ReadWrite.All"
	roleAuditLogReadAll           = signInActivityRole
	roleMailSend                  = "Mail.Send"
)

// defaultAppRoles: every permission named in spec §8 plus what building a test directory needs.
var defaultAppRoles = []string{
	rolePolicyReadAuthMethod, rolePolicyReadWriteAuthMethod, rolePolicyReadAll,
	roleUAMReadWriteAll, roleUAMReadAll, roleTAPReadWriteAll, roleTAPReadAll,
	roleUserReadWriteAll, roleGroupReadWriteAll, roleGroupMemberReadAll, roleDirectoryReadAll, roleAuditLogReadAll,
	roleMailSend,
}

// Any one of the listed roles grants the operation.
var (
	permPolicyRead   = []string{rolePolicyReadAuthMethod, rolePolicyReadWriteAuthMethod, rolePolicyReadAll}
	permPolicyWrite  = []string{rolePolicyReadWriteAuthMethod}
	permTAPWrite     = []string{roleUAMReadWriteAll, roleTAPReadWriteAll}
	permTAPRead      = []string{roleTAPReadAll, roleTAPReadWriteAll, roleUAMReadAll, roleUAMReadWriteAll}
	permMethodsRead  = []string{roleUAMReadAll, roleUAMReadWriteAll}
	permMethodsWrite = []string{roleUAMReadWriteAll}

	permUserRead        = []string{roleUserReadAll, roleUserReadWriteAll, roleDirectoryReadAll, roleDirectoryReadWriteAll}
	permUserWrite       = []string{roleUserReadWriteAll, roleDirectoryReadWriteAll}
	permGroupRead       = []string{roleGroupReadAll, roleGroupReadWriteAll, roleGroupMemberReadAll, roleGroupMemberReadWriteAll, roleDirectoryReadAll, roleDirectoryReadWriteAll}
	permGroupWrite      = []string{roleGroupReadWriteAll, roleDirectoryReadWriteAll}
	permMemberWrite     = []string{roleGroupMemberReadWriteAll, roleGroupReadWriteAll, roleDirectoryReadWriteAll}
	permMembershipRead  = []string{roleGroupMemberReadAll, roleGroupMemberReadWriteAll, roleGroupReadAll, roleGroupReadWriteAll, roleUserReadAll, roleUserReadWriteAll, roleDirectoryReadAll, roleDirectoryReadWriteAll}
	permDirectoryObject = []string{roleDirectoryReadAll, roleDirectoryReadWriteAll}

	// The halves of the documented permission pairs. A ReadWrite role counts as its Read role.
	permUserReadHalf        = []string{roleUserReadAll, roleUserReadWriteAll}
	permGroupMemberReadHalf = []string{roleGroupMemberReadAll, roleGroupMemberReadWriteAll, roleGroupReadAll, roleGroupReadWriteAll}
	permMemberUserHalf      = []string{roleUserReadWriteAll, roleDirectoryReadWriteAll}
	permMemberGroupHalf     = []string{roleGroupReadWriteAll, roleDirectoryReadWriteAll}
	permMailSend            = []string{roleMailSend}
)

// userCheckMemberGroupsPermitted: "User.Read.All and GroupMember.Read.All, User.Read.All and Group.Read.All,
// ..., Directory.Read.All" (user-checkMemberGroups page): two permissions together, or Directory.*. With
// settings.requirePermissionPairs off, any one membership-read role is enough (the emulator's old reading).
func userCheckMemberGroupsPermitted(p *principal, s Settings) bool {
	if !s.RequirePermissionPairs {
		return p.hasAny(permMembershipRead)
	}
	return p.hasAny(permDirectoryObject) || (p.hasAny(permUserReadHalf) && p.hasAny(permGroupMemberReadHalf))
}

// memberTypePermitted is the second half of "GroupMember.ReadWrite.All and User.ReadWrite.All" (a user
// member) or "... and Group.ReadWrite.All" (a group member) of POST /groups/{id}/members/$ref (group-post-members
// page); the route itself checks the GroupMember half.
func memberTypePermitted(p *principal, s Settings, isUser bool) bool {
	if !s.RequirePermissionPairs {
		return true
	}
	if isUser {
		return p.hasAny(permMemberUserHalf)
	}
	return p.hasAny(permMemberGroupHalf)
}

// principal is the caller of a Graph request, from a verified access token.
type principal struct {
	tenant *tenant
	appID  string
	roles  map[string]bool
}

func (p *principal) hasAny(roles []string) bool {
	for _, r := range roles {
		if p.roles[r] {
			return true
		}
	}
	return false
}

// authFailure explains a 401. tenant is set when the token was genuine but unusable (expired, wrong
// audience), so the request can still be logged in that tenant.
type authFailure struct {
	message string
	tenant  *tenant
}

// authenticate verifies the bearer token: signature, issuer, real-time expiry, audience and tenant.
func (e *Emulator) authenticate(r *http.Request) (*principal, *authFailure) {
	h := r.Header.Get("Authorization")
	scheme, raw, _ := strings.Cut(strings.TrimSpace(h), " ")
	raw = strings.TrimSpace(raw)
	if h == "" || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return nil, &authFailure{message: "Access token is empty."}
	}
	tok, err := parseJWT(raw)
	if err != nil {
		return nil, &authFailure{message: "IDX14100: JWT is not well formed."}
	}
	if !e.tokenKey.verify(tok) {
		return nil, &authFailure{message: "Access token validation failure."}
	}
	t := e.tenant(tok.str("tid"))
	if t == nil || !strings.HasPrefix(tok.str("iss"), e.url+"/") {
		return nil, &authFailure{message: "Access token validation failure. Invalid tenant."}
	}
	now := time.Now().Unix()
	if exp, ok := tok.num("exp"); !ok || now >= exp {
		return nil, &authFailure{message: "Lifetime validation failed, the token is expired.", tenant: t}
	}
	if nbf, ok := tok.num("nbf"); ok && now+300 < nbf {
		return nil, &authFailure{message: "Lifetime validation failed, the token is not yet valid.", tenant: t}
	}
	if !e.graphAudience(tok.audiences(), r.Host) {
		return nil, &authFailure{message: "Access token validation failure. Invalid audience.", tenant: t}
	}
	p := &principal{tenant: t, appID: tok.str("appid"), roles: map[string]bool{}}
	if roles, ok := tok.claims["roles"].([]any); ok {
		for _, r := range roles {
			if s, ok := r.(string); ok {
				p.roles[s] = true
			}
		}
	}
	return p, nil
}

// graphAudience accepts the emulator's own URL (any loopback spelling of its port) or the public Graph.
func (e *Emulator) graphAudience(auds []string, requestHost string) bool {
	for _, a := range auds {
		a = strings.TrimRight(strings.ToLower(a), "/")
		if a == "https://graph.microsoft.com" || a == e.url || a == "https://"+strings.ToLower(requestHost) {
			return true
		}
		if u, err := url.Parse(a); err == nil && u.Scheme == "https" && u.Path == "" && u.Port() == e.port() && isLoopbackHost(u.Hostname()) {
			return true
		}
	}
	return false
}

func (e *Emulator) port() string {
	u, _ := url.Parse(e.url)
	return u.Port()
}

func isLoopbackHost(h string) bool { return h == "127.0.0.1" || h == "localhost" || h == "::1" }

// unauthorized is Graph's 401 for a missing or unusable token.
func (e *Emulator) unauthorized(message string) reply {
	rep := svcError(svcGraph, http.StatusUnauthorized, "InvalidAuthenticationToken", message)
	rep.setHeader("WWW-Authenticate", `Bearer realm="", authorization_uri="`+e.url+`/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	return rep
}

// forbidden is the 403 of each dialect (spec §8: Authorization_RequestDenied / accessDenied).
func forbidden(svc service) reply {
	switch svc {
	case svcDirectory:
		return svcError(svc, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	case svcMail:
		return svcError(svc, http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
	}
	return svcError(svc, http.StatusForbidden, "accessDenied", "Request Authorization failed")
}
