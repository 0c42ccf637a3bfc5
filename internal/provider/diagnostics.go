package provider

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/entra-tap/terraform-provider-entra/internal/auth"
	"github.com/entra-tap/terraform-provider-entra/internal/graph"
)

// addGraphError turns an error from the Graph layer into a diagnostic that says what to do.
func addGraphError(diags *diag.Diagnostics, summary string, err error) {
	var authErr *auth.Error
	if errors.As(err, &authErr) {
		diags.AddError("Could not sign in to Microsoft Entra ID", err.Error())
		return
	}
	gerr, ok := graph.AsError(err)
	if !ok {
		diags.AddError(summary, err.Error())
		return
	}
	// err, not gerr: wrappers add what the provider knows (e.g. why a removal was postponed).
	detail := err.Error()
	switch {
	case gerr.StatusCode == http.StatusForbidden:
		detail += "\n\nThe identity the provider signs in as lacks a permission for this. Grant it " + gerr.Permission +
			", then have an administrator grant admin consent. Role and permission changes can take a few minutes to apply."
	case gerr.StatusCode == http.StatusUnauthorized:
		detail += "\n\nMicrosoft Graph rejected the access token. Check that tenant_id is the tenant you mean and that msgraph_endpoint matches the cloud of authority_host (tokens from one cloud are not valid in another)."
	case errors.Is(gerr, graph.ErrThrottled):
		detail += "\n\nMicrosoft Graph kept throttling or was unavailable until the operation's timeout. Retry later, run with a lower -parallelism, or raise the timeouts."
	default:
		if hint := graphMessageHint(gerr.Message); hint != "" {
			detail += "\n\n" + hint
		}
	}
	diags.AddError(summary, detail)
}

// graphMessageHints explain the authentication methods service's refusals (graph-spec §4.2) in terms of
// what to change. Graph's codes are generic (badRequest), so the documented messages are matched.
var graphMessageHints = []struct{ contains, hint string }{
	{"Converged UserCredentialPolicy", "The tenant's Temporary Access Pass policy is disabled or does not cover this user. Enable it, or add the user " +
		"(or a group they belong to) to include_targets and remove any exclusion (entra_temporary_access_pass_policy)."},
	{"external guest", "External (B2B) guests sign in with their home tenant and cannot hold a Temporary Access Pass here."},
	{"Invalid LifetimeInMinutes", "lifetime_in_minutes must lie within the tenant policy's minimum and maximum " +
		"(see the entra_temporary_access_pass_policy data source), or change the policy."},
	{"Invalid StartDateTime", "start_date_time must be in the future by Graph's clock; omit it for a pass that works immediately."},
	{"default authentication method", "Remove the user's other methods first, or change the user's default method in the Entra admin center."},
	{"does not exist or one of its queried reference-property objects are not present", "The user or group does not exist, or was created moments " +
		"ago and has not replicated yet. Check the id; for a new user, apply again in a minute."},
}

func graphMessageHint(message string) string {
	for _, h := range graphMessageHints {
		if strings.Contains(message, h.contains) {
			return h.hint
		}
	}
	return ""
}

// addUserError reports a failed user lookup: a user that does not exist on the user_id argument, anything
// else as a Graph error.
func addUserError(diags *diag.Diagnostics, userRef string, err error) {
	if errors.Is(err, graph.ErrNotFound) {
		diags.AddAttributeError(path.Root("user_id"), "User not found",
			fmt.Sprintf("No user %q exists in the tenant. Check the object id or user principal name; a user created moments ago can take a little while to appear.", userRef))
		return
	}
	addGraphError(diags, "Could not read the user", err)
}
