package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// TokenKind says what an access token represents.
type TokenKind int

const (
	// TokenUnknown: the token could not be read (not a JWT, or no roles and no scp claim).
	TokenUnknown TokenKind = iota
	// TokenApp: an app-only token; its roles claim lists the application permissions granted.
	TokenApp
	// TokenDelegated: a token on behalf of a signed-in user (scp claim); what it may do also depends on
	// the user's directory roles, which the token does not fully show.
	TokenDelegated
)

// Grants is what the access token of the client says about its holder. It is read from the token's
// payload without verifying it (Graph does that); it never contains the token.
type Grants struct {
	Kind TokenKind
	// Roles are the application permissions (app-only tokens), e.g. UserAuthMethod-TAP.ReadWrite.All.
	Roles []string
	// Scopes are the delegated permissions (delegated tokens).
	Scopes []string
	// DirectoryRoles are the role template ids of the wids claim.
	DirectoryRoles []string
}

// ParseGrants reads the roles, scp and wids claims of a JWT access token. The signature is not checked:
// the token came from the credential, and Graph verifies it; this only predicts Graph's answer.
func ParseGrants(token string) (Grants, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Grants{}, errors.New("the access token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Grants{}, errors.New("the access token's payload is not base64url")
	}
	var claims struct {
		Roles []string `json:"roles"`
		Scp   string   `json:"scp"`
		Wids  []string `json:"wids"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		// The JSON error could quote the payload; say only what failed.
		return Grants{}, errors.New("the access token's payload is not the expected JSON")
	}
	g := Grants{Roles: claims.Roles, DirectoryRoles: claims.Wids}
	switch {
	case claims.Scp != "":
		g.Kind, g.Scopes = TokenDelegated, strings.Fields(claims.Scp)
	case claims.Roles != nil:
		g.Kind = TokenApp
	}
	return g, nil
}

// Grants reads the claims of the access token this client sends to Graph (from the credential's cache
// when it holds one). Neither the token nor any part of it is logged or returned.
func (c *Client) Grants(ctx context.Context) (Grants, error) {
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return Grants{}, err
	}
	g, err := ParseGrants(tok.Token)
	if err != nil {
		return Grants{}, fmt.Errorf("reading the permissions of the access token: %w", err)
	}
	return g, nil
}

// Ability is something the provider does that needs a permission.
type Ability int

// Abilities, each with the application permissions that grant it (any one of a set; some need two sets
// together).
const (
	IssuePasses   Ability = iota // create and revoke passes
	ReadPasses                   // list a user's passes
	RemoveMethods                // delete a user's authentication methods
	ReadMethods                  // list a user's authentication methods
	ReadPolicy                   // read the TAP policy
	WritePolicy                  // change or reset the TAP policy
	ReadUsers                    // read a user
	CheckGroups                  // check a user's group memberships (policy scope)
	SendMail                     // send mail (delivering a pass by mail)
)

// abilityNeeds lists, per ability, the permission sets that grant it: each inner slice must be held in
// full (any one of its alternatives), from graph-spec §8 and the methods' permission tables.
var abilityNeeds = map[Ability][][]string{
	IssuePasses:   {{"UserAuthMethod-TAP.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All"}},
	ReadPasses:    {{"UserAuthMethod-TAP.Read.All", "UserAuthMethod-TAP.ReadWrite.All", "UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"}},
	RemoveMethods: {{"UserAuthenticationMethod.ReadWrite.All"}},
	ReadMethods:   {{"UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"}},
	ReadPolicy:    {{"Policy.Read.AuthenticationMethod", "Policy.ReadWrite.AuthenticationMethod", "Policy.Read.All"}},
	WritePolicy:   {{"Policy.ReadWrite.AuthenticationMethod"}},
	ReadUsers:     {{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}},
	CheckGroups: {
		{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
		{"GroupMember.Read.All", "Group.Read.All", "GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
	},
	SendMail: {{"Mail.Send"}},
}

// abilityText names an ability in a sentence: "the identity cannot <text>".
var abilityText = map[Ability]string{
	IssuePasses: "issue Temporary Access Passes", ReadPasses: "read users' Temporary Access Passes",
	RemoveMethods: "remove authentication methods", ReadMethods: "read users' authentication methods",
	ReadPolicy: "read the Temporary Access Pass policy", WritePolicy: "change the Temporary Access Pass policy",
	ReadUsers: "read users", CheckGroups: "check users' group memberships", SendMail: "send mail",
}

// String describes the ability, e.g. "issue Temporary Access Passes".
func (a Ability) String() string { return abilityText[a] }

// Answer is whether the token grants an ability.
type Answer int

const (
	// Unknown: the token does not say (a delegated token, a token that could not be read, or an app
	// holding a directory role that may grant it). Callers should not warn.
	Unknown Answer = iota
	Yes
	No
)

// privilegedRoles are directory role templates that can grant an app what its permissions do not (Global
// Administrator, Privileged Authentication Administrator, Authentication Administrator, Authentication
// Policy Administrator, User Administrator, Global Reader; ids from graph-spec §8 and the Entra built-in
// roles reference). With any of them, a missing permission is not proof of a refusal.
var privilegedRoles = []string{
	"62e90394-69f5-4237-9190-012177145e10", "7be44c8a-adaf-4e2a-84d6-ab2649e08a13", "c4e39bd9-1100-46d3-8c65-fb160da0071f",
	"0526716b-113d-4c15-b2c8-68e3c22b9f80", "fe930be7-5e62-47db-91af-98c3a49a38b1", "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
}

// Can says whether the token grants the ability. Only app-only tokens give a definite answer; for a
// delegated token Graph also weighs the user's roles, so the answer is Unknown.
func (g Grants) Can(a Ability) Answer {
	needs, known := abilityNeeds[a]
	if !known || g.Kind != TokenApp {
		return Unknown
	}
	for _, alternatives := range needs {
		if !slices.ContainsFunc(alternatives, g.has) {
			for _, r := range g.DirectoryRoles {
				if slices.Contains(privilegedRoles, strings.ToLower(r)) {
					return Unknown
				}
			}
			return No
		}
	}
	return Yes
}

func (g Grants) has(role string) bool {
	return slices.ContainsFunc(g.Roles, func(r string) bool { return strings.EqualFold(r, role) })
}

// Needs says which permissions would grant the ability, for a warning: e.g. "UserAuthMethod-TAP.ReadWrite.All
// or UserAuthenticationMethod.ReadWrite.All".
func (a Ability) Needs() string {
	var parts []string
	for _, alternatives := range abilityNeeds[a] {
		parts = append(parts, strings.Join(alternatives, " or "))
	}
	if len(parts) > 1 {
		return "(" + strings.Join(parts, ") and (") + ")"
	}
	return strings.Join(parts, "")
}

// Missing lists, of the abilities asked about, those the token certainly lacks.
func (g Grants) Missing(abilities ...Ability) []Ability {
	var missing []Ability
	for _, a := range abilities {
		if g.Can(a) == No {
			missing = append(missing, a)
		}
	}
	return missing
}
