package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
	"github.com/entra-tap/terraform-provider-entra/internal/validators"
)

// passCheck is the outcome of validating a pass request against the live tenant.
type passCheck struct {
	User   graph.User
	Policy tap.Policy
}

// checkMode says how much checkPass verifies against the directory.
type checkMode int

const (
	// checkPlan verifies everything Graph would, with reads only, and reports an unknown user at once.
	checkPlan checkMode = iota
	// checkPlanPatiently is checkPlan for a managed resource: Terraform plans it again while applying,
	// when a user created earlier in the run may still be replicating, so "not found" is retried briefly.
	checkPlanPatiently
	// checkApply runs the policy checks (no reads: the policy is cached) and resolves the user cheaply
	// (batched, waiting for replication). The plan verified scope and guests, and Graph enforces them
	// again, with refusals the provider explains.
	checkApply
)

// checkPass checks a pass request against the tenant policy and the directory. Every problem becomes
// an error on the argument to fix, so a plan fails before anything is written. Its reads: the policy
// (once per provider process), the user, and, when the policy targets groups, one membership check.
func (d *providerData) checkPass(ctx context.Context, userRef string, req tap.PassRequest, now time.Time, mode checkMode, diags *diag.Diagnostics) *passCheck {
	policy, planned, err := d.policy.ForPasses(ctx)
	if err != nil {
		addGraphError(diags, "Could not read the Temporary Access Pass policy", err)
		return nil
	}
	for _, p := range tap.CheckPassRequest(policy, req, now) {
		if planned {
			p.Detail += " (Checked against the policy as this run's entra_temporary_access_pass_policy will leave it.)"
		}
		diags.AddAttributeError(path.Root(p.Attribute), p.Summary, p.Detail)
	}

	var user *graph.User
	switch mode {
	case checkApply:
		user, err = d.userWithin(ctx, userRef, replicationWait, d.resolveUser)
	case checkPlanPatiently:
		user, err = d.userWithin(ctx, userRef, planReplicationWait, d.graph.GetUser)
	default:
		user, err = d.graph.GetUser(ctx, userRef)
	}
	if err != nil {
		addUserError(diags, userRef, err)
		return nil
	}
	if mode == checkApply {
		if diags.HasError() {
			return nil
		}
		return &passCheck{User: *user, Policy: policy}
	}
	if user.IsExternalGuest() {
		diags.AddAttributeError(path.Root("user_id"), "External guests cannot have a Temporary Access Pass",
			fmt.Sprintf("%s is an external (B2B) guest; Graph refuses: \"Temporary Access Pass cannot be added to an external guest user.\" Guests sign in with their home tenant.", user.UserPrincipalName))
		return nil
	}

	memberOf := map[string]bool{}
	if groups := policy.GroupIDs(); len(groups) > 0 {
		memberOf, err = d.graph.CheckMemberGroups(ctx, user.ID, groups)
		if err != nil {
			addGraphError(diags, "Could not check the user's group memberships", err)
			return nil
		}
	}
	if in, why := policy.Scope(user.ID, memberOf); !in {
		diags.AddAttributeError(path.Root("user_id"), "User not in the Temporary Access Pass policy's scope",
			fmt.Sprintf("%s cannot be issued a pass: %s. Graph would refuse with \"Converged UserCredentialPolicy does not allow creating or updating this authentication method\". "+
				"Add the user (or a group they belong to) to the policy's include_targets, or remove the exclusion.", user.UserPrincipalName, why))
	}
	if diags.HasError() {
		return nil
	}
	return &passCheck{User: *user, Policy: policy}
}

// resolveUser finds a user for issuing: an object id through the batched lookup, a user principal name
// with a read of its own.
func (d *providerData) resolveUser(ctx context.Context, userRef string) (*graph.User, error) {
	if validators.IsGUID(userRef) {
		return d.users.Get(ctx, userRef)
	}
	return d.graph.GetUser(ctx, userRef)
}

// outstandingPass returns the pass the user holds that is not yet expired: usable now, waiting for its
// start (a new hire's pass for their first day), or already used within its lifetime. Replacing any of
// these on a routine re-apply would revoke a delivered pass or mint one nobody receives. An expired pass
// is dead, so a new one replaces nothing of value.
func outstandingPass(passes []graph.TemporaryAccessPass, now time.Time) *graph.TemporaryAccessPass {
	for i := range passes {
		if now.Before(passes[i].ExpirationDateTime()) {
			p := passes[i]
			return &p
		}
	}
	return nil
}

// issuePass creates the pass unless the user already holds an outstanding one and rotate is false; in
// that case it returns the existing pass and changes nothing. Methods of removeTypes are removed only
// when a pass is really issued, right before it is.
func (d *providerData) issuePass(ctx context.Context, user graph.User, req tap.PassRequest, rotate bool, removeTypes []string, now time.Time, held *heldPasses) (issue passIssue, err error) {
	if !rotate {
		if held == nil {
			held = d.lookUpHeldPasses(ctx, user.ID)
		}
		passes, err := held.wait()
		if errors.Is(err, graph.ErrNotFound) {
			// Looked up before the user had replicated (checkPass waited for them since): ask again.
			passes, err = d.graph.ListTAPs(ctx, user.ID)
		}
		if err != nil {
			return issue, err
		}
		if existing := outstandingPass(passes, now); existing != nil {
			issue.Kept = existing
			return issue, nil
		}
	}
	issue.Removed, err = d.removeMethods(ctx, user.ID, removeTypes, nil)
	if err != nil {
		return issue, err
	}
	body := graph.NewTAP{StartDateTime: tap.StartForGraph(req.StartDateTime, now), IsUsableOnce: req.IsUsableOnce}
	if req.LifetimeInMinutes != nil {
		lifetime := int(*req.LifetimeInMinutes)
		body.LifetimeInMinutes = &lifetime
	}
	issue.Issued, err = d.createPass(ctx, user.ID, body)
	if err != nil {
		return issue, err
	}
	tflog.Info(ctx, "Issued a Temporary Access Pass", map[string]any{
		"user_id": user.ID, "pass_id": issue.Issued.ID, "start": issue.Issued.StartDateTime.Format(time.RFC3339),
		"lifetime_in_minutes": issue.Issued.LifetimeInMinutes, "methods_removed": len(issue.Removed),
	})
	return issue, nil
}

// heldPasses is a lookup of the passes a user holds, started early so that it overlaps the user lookup
// (both are one round trip to Graph).
type heldPasses struct {
	done   chan struct{}
	passes []graph.TemporaryAccessPass
	err    error
}

func (d *providerData) lookUpHeldPasses(ctx context.Context, userID string) *heldPasses {
	h := &heldPasses{done: make(chan struct{})}
	go func() {
		defer close(h.done)
		h.passes, h.err = d.graph.ListTAPs(ctx, userID)
	}()
	return h
}

func (h *heldPasses) wait() ([]graph.TemporaryAccessPass, error) {
	<-h.done
	return h.passes, h.err
}

// passIssue is what issuePass did: issued a pass, or kept the one the user holds; and the methods removed.
type passIssue struct {
	Issued  *graph.TemporaryAccessPass
	Kept    *graph.TemporaryAccessPass
	Removed []graph.AuthenticationMethod
}

// replicationWait bounds how long an apply waits for a user created moments ago to become visible to
// the authentication methods API (Graph is eventually consistent, graph-spec §6.3).
const replicationWait = 2 * time.Minute

// planReplicationWait is the shorter wait of the managed resource's plan: Terraform plans a resource again
// while applying, when a user created earlier in the run may still be replicating, and the plan cannot
// tell the two apart. A mistyped user therefore fails the plan after this long.
const planReplicationWait = 20 * time.Second

// userWithin looks a user up, retrying "not found" for up to bound: a user created earlier in the same
// run may not have replicated yet.
func (d *providerData) userWithin(ctx context.Context, userRef string, bound time.Duration,
	lookup func(context.Context, string) (*graph.User, error)) (*graph.User, error) {
	deadline := time.Now().Add(bound)
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

// createPass issues a pass and makes sure the run never ends with a pass nobody can read:
//   - a user created moments ago may be unknown to the authentication methods service for a while, so
//     "not found" is retried for a bounded time (replicationWait);
//   - when the answer is lost (the connection dropped, maybe after Graph acted), Graph may hold a pass
//     whose value nobody received. Issuing again replaces it, since a user holds one pass; if that fails
//     too, the orphan is revoked and the error says so.
func (d *providerData) createPass(ctx context.Context, userID string, body graph.NewTAP) (*graph.TemporaryAccessPass, error) {
	started := time.Now()
	deadline := started.Add(replicationWait)
	wait := time.Second
	for {
		created, err := d.graph.CreateTAP(ctx, userID, body)
		switch {
		case err == nil:
			return created, nil
		case errors.Is(err, graph.ErrNotFound) && time.Now().Add(wait).Before(deadline):
			tflog.Info(ctx, "The user is not visible to the authentication methods service yet; waiting for replication", map[string]any{"user_id": userID, "wait": wait.String()})
			if sleepErr := sleep(ctx, wait); sleepErr != nil {
				return nil, err
			}
			wait = min(wait*2, 10*time.Second)
			continue
		case ctx.Err() != nil:
			return nil, err
		}
		if _, answered := graph.AsError(err); answered {
			return nil, err
		}
		return d.reissueAfterLostAnswer(ctx, userID, body, started, err)
	}
}

// orphanSkew allows for the difference between this machine's clock and Graph's when looking for a pass
// created by a request whose answer was lost.
const orphanSkew = 5 * time.Minute

func (d *providerData) reissueAfterLostAnswer(ctx context.Context, userID string, body graph.NewTAP, since time.Time, lost error) (*graph.TemporaryAccessPass, error) {
	tflog.Warn(ctx, "The answer to a pass creation was lost; issuing again, which replaces any pass Graph created meanwhile",
		map[string]any{"user_id": userID, "error": lost.Error()})
	created, err := d.graph.CreateTAP(ctx, userID, body)
	if err == nil {
		return created, nil
	}
	// Issuing again failed too: find and revoke a pass created by either attempt, which nobody can read.
	passes, listErr := d.graph.ListTAPs(ctx, userID)
	if listErr != nil {
		return nil, fmt.Errorf("issuing the pass failed twice (%v, then %w), and listing the user's passes to revoke one created without an answer failed too (%v). "+
			"Check the user's methods (entra_user_authentication_methods) and delete a pass nobody received", lost, err, listErr)
	}
	for _, p := range passes {
		if p.CreatedDateTime.After(since.Add(-orphanSkew)) {
			if delErr := d.graph.DeleteTAP(ctx, userID, p.ID); delErr != nil && !errors.Is(delErr, graph.ErrNotFound) {
				return nil, fmt.Errorf("pass %s was created by Graph but its answer was lost, issuing again failed (%w), and revoking the unreadable pass failed (%v): delete it by hand", p.ID, err, delErr)
			}
			return nil, fmt.Errorf("pass %s was created by Graph but its answer was lost, and issuing again failed (%w). The unreadable pass was revoked, so none is left behind; apply again", p.ID, err)
		}
	}
	return nil, fmt.Errorf("the answer to the pass creation was lost (%v) and issuing again failed: %w. The user holds no pass created by this run", lost, err)
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
