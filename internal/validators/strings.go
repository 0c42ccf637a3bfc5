// Package validators holds the plan-time checks shared by the provider's schemas. Each check reads the
// configuration only; checks that need the live tenant live with the resources.
package validators

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/entra-tap/terraform-provider-entra/internal/auth"
)

// stringCheck adapts a function that explains what is wrong with a value (or returns "") to a validator.
type stringCheck struct {
	description string
	check       func(string) string
}

func (v stringCheck) Description(context.Context) string         { return v.description }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.description }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := v.check(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", msg)
	}
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsGUID reports whether s is an object id in the 8-4-4-4-12 hexadecimal form.
func IsGUID(s string) bool { return guidPattern.MatchString(s) }

// GUID requires an object id.
func GUID() validator.String {
	return stringCheck{"must be a GUID (object id) such as `00000000-0000-0000-0000-000000000000`", func(s string) string {
		if IsGUID(s) {
			return ""
		}
		return fmt.Sprintf("%q is not an object id. Use the GUID shown as \"Object ID\" in the Entra admin center, e.g. 7a3c1f2e-…", s)
	}}
}

// UserIDOrUPN requires an object id or a user principal name.
func UserIDOrUPN() validator.String {
	return stringCheck{"must be a user's object id (GUID) or user principal name", func(s string) string {
		if IsGUID(s) || IsUPN(s) {
			return ""
		}
		return fmt.Sprintf("%q is neither an object id (GUID) nor a user principal name (name@domain). Use the user's id or UPN, e.g. from an azuread_user's object_id or user_principal_name.", s)
	}}
}

// IsUPN reports whether s looks like a user principal name: something@domain without spaces.
func IsUPN(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.ContainsAny(s, " \t\r\n/\\?") && !strings.Contains(domain, "@")
}

var tenantPattern = regexp.MustCompile(`^[0-9a-zA-Z-.]+$`)

// TenantID accepts a tenant GUID or domain, as azidentity does.
func TenantID() validator.String {
	return stringCheck{"must be a tenant GUID or domain", func(s string) string {
		if tenantPattern.MatchString(s) {
			return ""
		}
		return fmt.Sprintf("%q is not a tenant id. Use the Directory (tenant) ID GUID or a verified domain such as contoso.onmicrosoft.com.", s)
	}}
}

// HTTPSURL requires an absolute https URL.
func HTTPSURL() validator.String {
	return stringCheck{"must be an absolute https:// URL", func(s string) string {
		if _, err := auth.NormalizeHTTPSURL(s); err != nil {
			return "The value " + err.Error() + ". Tokens and Graph calls are only sent over TLS; use e.g. https://graph.microsoft.us."
		}
		return ""
	}}
}

// RFC3339 requires a timestamp with a time zone, e.g. 2026-12-01T08:00:00+01:00.
func RFC3339() validator.String {
	return stringCheck{"must be an RFC 3339 timestamp with a time zone", func(s string) string {
		if _, err := ParseRFC3339(s); err != nil {
			return err.Error()
		}
		return ""
	}}
}

// ParseRFC3339 parses an RFC 3339 timestamp and explains a failure in words.
func ParseRFC3339(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp. Write the date, time and offset, e.g. 2026-12-01T08:00:00+01:00 or 2026-12-01T07:00:00Z", s)
	}
	return t, nil
}
