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
)

// passCheck is the outcome of validating a pass request against the live tenant.
type passCheck struct {
	User   graph.User
	Policy tap.Policy
}

// checkPass runs every check Graph would apply to the pass, with reads only: the policy (once per
// provider process), the user, and, when the policy targets groups, one membership check. Every problem
// becomes an error on the argument to fix, so a plan fails before anything is written.
func (d *providerData) checkPass(ctx context.Context, userRef string, req tap.PassRequest, now time.Time, diags *diag.Diagnostics) *passCheck {
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

	user, err := d.graph.GetUser(ctx, userRef)
	switch {
	case errors.Is(err, graph.ErrNotFound):
		diags.AddAttributeError(path.Root("user_id"), "User not found",
			fmt.Sprintf("No user %q exists in the tenant. Check the object id or user principal name; a user created moments ago can take a little while to appear.", userRef))
		return nil
	case err != nil:
		addGraphError(diags, "Could not read the user", err)
		return nil
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
func (d *providerData) issuePass(ctx context.Context, user graph.User, req tap.PassRequest, rotate bool, removeTypes []string, now time.Time) (issue passIssue, err error) {
	if !rotate {
		passes, err := d.graph.ListTAPs(ctx, user.ID)
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
	issue.Issued, err = d.graph.CreateTAP(ctx, user.ID, body)
	if err != nil {
		return issue, err
	}
	tflog.Info(ctx, "Issued a Temporary Access Pass", map[string]any{
		"user_id": user.ID, "pass_id": issue.Issued.ID, "start": issue.Issued.StartDateTime.Format(time.RFC3339),
		"lifetime_in_minutes": issue.Issued.LifetimeInMinutes, "methods_removed": len(issue.Removed),
	})
	return issue, nil
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

// userWhenVisible reads a user, retrying "not found" for a bounded time: while applying, a user created
// earlier in the same run may not have replicated yet. Planning never waits: there an unknown user is
// a mistake to report at once.
func (d *providerData) userWhenVisible(ctx context.Context, userRef string) (*graph.User, error) {
	deadline := time.Now().Add(replicationWait)
	wait := time.Second
	for {
		user, err := d.graph.GetUser(ctx, userRef)
		if err == nil || !errors.Is(err, graph.ErrNotFound) || time.Now().Add(wait).After(deadline) {
			return user, err
		}
		tflog.Info(ctx, "The user is not visible yet; waiting for directory replication", map[string]any{"user": userRef, "wait": wait.String()})
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
		wait = min(wait*2, 10*time.Second)
	}
}
