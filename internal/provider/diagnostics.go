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

// Where each endpoint is configured, for advice about reaching it.
const (
	graphEndpointSetting = "msgraph_endpoint (ARM_MSGRAPH_ENDPOINT, or the environment's default Graph host)"
	authoritySetting     = "authority_host (ARM_AUTHORITY_HOST, or the environment's default login host)"
)

// addGraphError turns an error from the Graph layer into a diagnostic that says what to do.
func addGraphError(diags *diag.Diagnostics, summary string, err error) {
	var unreachable *graph.UnreachableError
	if errors.As(err, &unreachable) {
		diags.AddError("Microsoft Graph is unreachable", err.Error()+"\n\n"+reachAdvice(unreachable.Kind, unreachable.Untrusted, unreachable.Proxy, graphEndpointSetting))
		return
	}
	var authErr *auth.Error
	if errors.As(err, &authErr) {
		if kind, ok := graph.ConnectionFailure(authErr.Cause); ok {
			summary, detail := tokenEndpointUnreachable(authErr, kind)
			diags.AddError(summary, detail)
			return
		}
		diags.AddError("Could not sign in to Microsoft Entra ID", err.Error())
		return
	}
	gerr, ok := graph.AsError(err)
	if !ok {
		detail := err.Error()
		if kind, ok := graph.ConnectionFailure(err); ok {
			detail += "\n\n" + reachAdvice(kind, kind == graph.FailureTLS && untrustedText(detail), false, graphEndpointSetting)
		}
		diags.AddError(summary, detail)
		return
	}
	// err, not gerr: wrappers add what the provider knows (e.g. why a removal was postponed).
	detail := err.Error()
	switch {
	case gerr.StatusCode == http.StatusForbidden:
		detail += "\n\nThe identity the provider signs in as lacks a permission for this. Grant it " + gerr.Permission +
			", then have an administrator grant admin consent. Role and permission changes can take a few minutes to apply."
	case gerr.Code == "" && (gerr.Excerpt != "" || gerr.ContentType != ""):
		detail += "\n\nThe answer did not come from Microsoft Graph itself but from something in front of it (a proxy, gateway, firewall or load balancer). " +
			"Check " + graphEndpointSetting + " and the proxy settings (HTTPS_PROXY, NO_PROXY); if the status is 502, 503 or 504, retry later."
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
	{"Invalid StartDateTime", "start_date_time must be in the future by Graph's clock (when it differs from this machine's, the message above says by how much: " +
		"correct this machine's clock, e.g. with NTP, or start later); omit it for a pass that works immediately."},
	{"default authentication method", "Remove the user's other methods first, or change the user's default method in the Entra admin center."},
	{"does not exist or one of its queried reference-property objects are not present", "The user or group does not exist, or was created moments " +
		"ago and has not replicated yet. Check the id; for a new user, apply again in a minute."},
}

// reachAdvice says what to check when an endpoint gave no answer, by cause. setting names where the
// endpoint is configured.
func reachAdvice(kind graph.FailureKind, untrusted, proxy bool, setting string) string {
	if proxy {
		return "The HTTPS proxy this machine uses (HTTPS_PROXY / https_proxy) failed. Check the proxy's address and that it is up, or list the host in NO_PROXY if it should be reached directly."
	}
	switch kind {
	case graph.FailureDNS:
		return "The host name does not resolve from this machine. Check " + setting + " for a typo, and this machine's DNS, VPN or proxy settings."
	case graph.FailureRefused:
		return "Nothing accepts connections at that address. Check the host and port in " + setting + ", and whether a firewall or a proxy (HTTPS_PROXY, NO_PROXY) is in the way."
	case graph.FailureNoRoute:
		return "This machine has no network route to the host. Check its network connection and VPN, and " + setting + "."
	case graph.FailureTLS:
		if !untrusted {
			return "The TLS handshake failed: the address may not speak HTTPS (check the host and port in " + setting + "), or a proxy or middlebox may be interfering with TLS."
		}
		return "The server's TLS certificate is not trusted by this machine. Check, in order:\n" +
			"  - the endpoint: " + setting + " must name the real service (for a national cloud, its documented host), not an address whose certificate is for another name;\n" +
			"  - a corporate proxy or TLS inspection that re-signs HTTPS: its root CA must be trusted by this machine. Add it to the system trust store, or (on Linux and other Unix systems) " +
			"point SSL_CERT_FILE at a PEM bundle, or SSL_CERT_DIR at a directory of PEM certificates, that contain it as well as the public roots. On macOS and Windows the system store is used and these variables are ignored;\n" +
			"  - for a private or emulated endpoint: its CA in SSL_CERT_FILE."
	case graph.FailureTimeout:
		return "The host did not answer in time. Check that this machine can reach it on port 443 (firewall, VPN, HTTPS_PROXY / NO_PROXY) and that " + setting + " is right; if the service is slow, retry later."
	}
	return "The connection failed before any answer. Check " + setting + " and this machine's network, then retry."
}

// tokenEndpointUnreachable explains a sign-in that failed for want of any answer from a token endpoint.
// The credential itself is not in question, so the credential advice of auth.Error (secrets, tenant and
// client ids) would mislead; what to check is the endpoint, the network and the trust store.
func tokenEndpointUnreachable(authErr *auth.Error, kind graph.FailureKind) (summary, detail string) {
	summary, setting := "Could not reach the Microsoft Entra token endpoint", authoritySetting
	var b strings.Builder
	b.WriteString("could not get an access token for Microsoft Graph, because the token endpoint could not be reached. Tried, in order:\n")
	for _, s := range authErr.Sources {
		fmt.Fprintf(&b, "  - %s (%s)\n", s.Name, s.Settings)
		if s.Name == "managed identity" || s.Name == "Azure CLI" {
			// These do not use authority_host alone; the failure may be theirs.
			summary, setting = "Could not sign in to Microsoft Entra ID", authoritySetting+", or for a managed identity its endpoint (IDENTITY_ENDPOINT, or the instance metadata service)"
		}
	}
	cause := strings.TrimSpace(authErr.Cause.Error())
	fmt.Fprintf(&b, "\n%s\n\n%s", cause, reachAdvice(kind, kind == graph.FailureTLS && untrustedText(cause), false, setting))
	return summary, b.String()
}

// untrustedText reports whether a flattened error message is about an untrusted certificate.
func untrustedText(msg string) bool {
	return strings.Contains(msg, "x509:") || strings.Contains(msg, "failed to verify certificate")
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
