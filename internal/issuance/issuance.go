// Package issuance is the one place where a Temporary Access Pass is minted. The managed resource, the
// ephemeral hand-over, the delivery channels and the helpdesk action are thin adapters over it, so its
// guarantees are stated, implemented and tested once:
//
//  1. Checking writes nothing. Check reads the policy, the user and their group memberships and reports
//     everything Graph would refuse, tied to the argument to change. Planning calls only Check.
//  2. Minted ⇒ delivered or revoked. Issue mints, then hands the pass to its deliveries. When a delivery
//     fails, the pass is revoked before Issue returns and the error names the channel, the user and the
//     pass. A pass handed over to Terraform (Handovers) stays only once Terraform has confirmed that every
//     consumer of it succeeded; RevokeUnconfirmed revokes the others when the provider process ends.
//  3. A lost answer never leaves a pass nobody can read. When a creation's answer is lost (a dropped
//     connection, a 5xx after Graph may have acted), the creation is sent again, which replaces whatever
//     the first attempt created (a user holds one pass); if that fails too, every pass created since the
//     first attempt is revoked and the error says so.
//  4. Removed ⇒ issued. Methods are removed only after the new pass exists and was delivered. A pass Graph
//     refuses removes nothing; a removal that fails reports what was and was not removed.
//  5. One user, one pass per run. Claims refuses a second pass instance for a user already claimed in this
//     provider process, however the configuration names the user (object id, UPN, any letter case).
package issuance

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
	"github.com/entra-tap/terraform-provider-entra/internal/validators"
)

// PolicySource gives the policy passes are checked against: the tenant's, or the one a planned change of the
// policy resource in this run will leave.
type PolicySource interface {
	ForPasses(ctx context.Context) (policy tap.Policy, planned bool, err error)
}

// Options are an Engine's dependencies.
type Options struct {
	Graph    *graph.Client
	Policies PolicySource
	// UserByID looks a user up by object id (the provider batches these); nil sends one request per user.
	UserByID func(ctx context.Context, id string) (*graph.User, error)
	// Users looks a user up by object id or user principal name with every property of graph.User (the full
	// lookup Check needs); nil sends one request per user.
	Users func(ctx context.Context, ref string) (*graph.User, error)
	// MemberGroups says which of groupIDs a user belongs to; nil sends one checkMemberGroups per user.
	MemberGroups func(ctx context.Context, userID string, groupIDs []string) (map[string]bool, error)
	// Now is the clock passes are judged by; nil means Graph's, as the client estimates it.
	Now func() time.Time
	// Handovers keeps passes for the ephemeral hand-over; nil means a registry of the engine's own.
	Handovers *Handovers
}

// Engine checks and issues passes for one configured provider.
type Engine struct {
	graph     *graph.Client
	policies  PolicySource
	userByID  func(ctx context.Context, id string) (*graph.User, error)
	users     func(ctx context.Context, ref string) (*graph.User, error)
	members   func(ctx context.Context, userID string, groupIDs []string) (map[string]bool, error)
	now       func() time.Time
	handovers *Handovers
	claims    Claims
}

// New builds an engine. It makes no request.
func New(o Options) *Engine {
	e := &Engine{graph: o.Graph, policies: o.Policies, userByID: o.UserByID, users: o.Users, members: o.MemberGroups, now: o.Now, handovers: o.Handovers}
	if e.userByID == nil {
		e.userByID = o.Graph.GetUser
	}
	if e.users == nil {
		e.users = o.Graph.GetUser
	}
	if e.members == nil {
		e.members = o.Graph.CheckMemberGroups
	}
	if e.now == nil {
		e.now = o.Graph.Now // Graph's clock, estimated from its Date headers
	}
	if e.handovers == nil {
		e.handovers = NewHandovers()
	}
	return e
}

// Now is the time passes are judged by: Graph's, as far as the engine knows it.
func (e *Engine) Now() time.Time { return e.now() }

// Handovers is the registry of passes waiting for, or read by, the ephemeral hand-over.
func (e *Engine) Handovers() *Handovers { return e.handovers }

// Claims records which pass instance claimed each user in this process.
func (e *Engine) Claims() *Claims { return &e.claims }

// Finding is one reason a request cannot work as configured, tied to the argument to change.
type Finding struct {
	Attribute string
	Summary   string
	Detail    string
	// Warning findings do not stop the plan.
	Warning bool
}

// Checked is a request that passed every check.
type Checked struct {
	User   graph.User
	Policy tap.Policy
	// PolicyPlanned says the policy is the one this run's policy resource will leave.
	PolicyPlanned bool
	// Lifetime is the lifetime Graph will give the pass.
	Lifetime int64
	// IsUsableOnce is what the pass will be: the request's choice, or the policy's.
	IsUsableOnce bool
}

// Patience bounds how long Check and Resolve look again for a user that is not found: a user created earlier
// in the same run may not have replicated yet (graph-spec §6.3).
type Patience time.Duration

const (
	// NoPatience reports an unknown user at once.
	NoPatience Patience = 0
	// PlanPatience is the managed resource's plan: Terraform plans a resource again while applying, when a
	// user created earlier in the run may still be replicating, and the two cannot be told apart.
	PlanPatience = Patience(20 * time.Second)
	// ApplyPatience is how long an apply waits for a user created moments ago.
	ApplyPatience = Patience(2 * time.Minute)
)

// Check checks a pass request against the tenant policy and the directory, with reads only: the policy
// (once per process), the user, and one membership check when the policy targets groups. Findings are what
// the configuration must change; err is a failure to read Graph.
func (e *Engine) Check(ctx context.Context, userRef string, req tap.PassRequest, patience Patience) (*Checked, []Finding, error) {
	policy, planned, err := e.policies.ForPasses(ctx)
	if err != nil {
		return nil, nil, err
	}
	var findings []Finding
	for _, p := range tap.CheckPassRequest(policy, req, e.now()) {
		if note := e.graph.SkewNote(); p.Attribute == "start_date_time" && note != "" {
			p.Detail += " " + note + ": check this machine's clock, or Graph's Date header (graph-spec §1.2)."
		}
		if planned {
			p.Detail += " (Checked against the policy as this run's entra_temporary_access_pass_policy will leave it.)"
		} else if p.Attribute != "start_date_time" {
			// The same check runs again while applying: a saved plan whose policy changed meanwhile fails here.
			p.Detail += " If this appears while applying a saved plan, the tenant's policy changed after the plan: plan again."
		}
		findings = append(findings, Finding{Attribute: p.Attribute, Summary: p.Summary, Detail: p.Detail})
	}
	// The full lookup: userType, creationType and accountEnabled are among the properties it reads.
	user, err := e.lookUp(ctx, userRef, patience, e.users)
	if errors.Is(err, graph.ErrNotFound) {
		return nil, append(findings, UserNotFound(userRef)), nil
	}
	if err != nil {
		return nil, findings, err
	}
	userFindings, err := e.checkUser(ctx, *user, policy)
	if err != nil {
		return nil, findings, err
	}
	findings = append(findings, userFindings...)
	if hasError(findings) {
		return nil, findings, nil
	}
	checked := &Checked{User: *user, Policy: policy, PolicyPlanned: planned, Lifetime: policy.EffectiveLifetime(req), IsUsableOnce: policy.IsUsableOnce}
	if req.IsUsableOnce != nil {
		checked.IsUsableOnce = *req.IsUsableOnce
	}
	return checked, findings, nil
}

// checkUser applies the rules that depend on who the user is: guests, disabled accounts and the policy's
// targets.
func (e *Engine) checkUser(ctx context.Context, user graph.User, policy tap.Policy) ([]Finding, error) {
	if user.IsExternalGuest() {
		return []Finding{{Attribute: "user_id", Summary: "External guests cannot have a Temporary Access Pass",
			Detail: user.UserPrincipalName + " is an external (B2B) guest; Graph refuses: \"Temporary Access Pass cannot be added to an external guest user.\" " +
				"Guests sign in with their home tenant."}}, nil
	}
	var findings []Finding
	if !user.AccountEnabled {
		findings = append(findings, Finding{Attribute: "user_id", Warning: true, Summary: "The user's account is disabled",
			Detail: user.UserPrincipalName + " has accountEnabled = false. The pass is issued, but Entra ID refuses every sign-in of a disabled account " +
				"(AADSTS50057) until the account is enabled: enable it before the pass's start."})
	}
	memberOf := map[string]bool{}
	if groups := policy.GroupIDs(); len(groups) > 0 {
		var err error
		if memberOf, err = e.members(ctx, user.ID, groups); err != nil {
			return findings, err
		}
	}
	if in, why := policy.Scope(user.ID, memberOf); !in {
		findings = append(findings, Finding{Attribute: "user_id", Summary: "User not in the Temporary Access Pass policy's scope",
			Detail: user.UserPrincipalName + " cannot be issued a pass: " + why + ". Graph would refuse with \"Converged UserCredentialPolicy does not allow " +
				"creating or updating this authentication method\". Add the user (or a group they belong to) to the policy's include_targets, or remove the exclusion."})
	}
	return findings, nil
}

// PermissionWarnings says, from the access token's own grants, what the identity signed in cannot do of what
// this request needs. A plan identity may rightly be read-only (a pipeline that plans and applies with two
// identities), so these are warnings; unknown grants (delegated tokens, directory roles) warn of nothing.
func (e *Engine) PermissionWarnings(ctx context.Context, needs ...graph.Ability) []Finding {
	grants, err := e.graph.Grants(ctx)
	if err != nil {
		return nil
	}
	var findings []Finding
	for _, a := range grants.Missing(needs...) {
		findings = append(findings, Finding{Attribute: "user_id", Warning: true, Summary: "The provider's identity cannot " + a.String(),
			Detail: "The access token of the identity the provider signs in as does not grant " + a.Needs() + ". This plan only reads, so it can proceed; " +
				"the apply will fail unless it runs as an identity that has it (HCP Terraform and pipelines often plan and apply with different identities)."})
	}
	return findings
}

// UserNotFound is the finding for a user_id that names nobody.
func UserNotFound(userRef string) Finding {
	return Finding{Attribute: "user_id", Summary: "User not found",
		Detail: "No user " + quote(userRef) + " exists in the tenant. Check the object id or user principal name; a user created moments ago can take a little while to appear."}
}

func hasError(findings []Finding) bool {
	for _, f := range findings {
		if !f.Warning {
			return true
		}
	}
	return false
}

// Resolve finds a user to issue a pass to, by object id (through the batched lookup) or user principal name,
// looking again for up to patience while Graph answers "not found".
func (e *Engine) Resolve(ctx context.Context, userRef string, patience Patience) (*graph.User, error) {
	lookup := e.users
	if validators.IsGUID(userRef) {
		lookup = e.userByID
	}
	return e.lookUp(ctx, userRef, patience, lookup)
}

func (e *Engine) lookUp(ctx context.Context, userRef string, patience Patience, lookup func(context.Context, string) (*graph.User, error)) (*graph.User, error) {
	deadline := time.Now().Add(time.Duration(patience))
	wait := time.Second
	for {
		user, err := lookup(ctx, userRef)
		if err == nil || !errors.Is(err, graph.ErrNotFound) || time.Now().Add(wait).After(deadline) {
			return user, err
		}
		tflog.Info(ctx, "The user is not visible yet; waiting for directory replication", map[string]any{"user": userRef, "wait": wait.String()})
		if sleepErr := sleep(ctx, wait); sleepErr != nil {
			return nil, err
		}
		wait = min(wait*2, 10*time.Second)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func quote(s string) string { return "\"" + s + "\"" }
