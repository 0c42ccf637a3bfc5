// Package validators holds the plan-time checks shared by the provider's schemas. Each check reads the
// configuration only; checks that need the live tenant live with the resources.
package validators

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/entra-tap/terraform-provider-entra/internal/auth"
)

// stringCheck adapts a function that explains what is wrong with a value (or returns "") to a validator.
type stringCheck struct {
	description string
	check       func(string) string
	// checkAttr, when set, is used instead of check: it is also given the attribute's name, for messages
	// that start with it.
	checkAttr func(attr, value string) string
}

func (v stringCheck) Description(context.Context) string         { return v.description }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.description }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	check := v.check
	if v.checkAttr != nil {
		check = func(s string) string { return v.checkAttr(req.Path.String(), s) }
	}
	if msg := check(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", msg)
	}
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsGUID reports whether s is an object id in the 8-4-4-4-12 hexadecimal form.
func IsGUID(s string) bool { return guidPattern.MatchString(s) }

// GUID requires an object id.
func GUID() validator.String {
	return stringCheck{description: "must be a GUID (object id) such as `00000000-0000-0000-0000-000000000000`", check: func(s string) string {
		if IsGUID(s) {
			return ""
		}
		return fmt.Sprintf("%q is not an object id. Use the GUID shown as \"Object ID\" in the Entra admin center, e.g. 7a3c1f2e-…", s)
	}}
}

// UserIDOrUPN requires an object id or a user principal name made of the characters Entra allows in one.
func UserIDOrUPN() validator.String {
	return stringCheck{description: "must be a user's object id (GUID) or user principal name", checkAttr: func(attr, s string) string {
		if IsGUID(s) {
			return ""
		}
		if !strings.Contains(s, "@") {
			return fmt.Sprintf("%q is neither an object id (GUID) nor a user principal name (name@domain). Use the user's id or UPN, e.g. from an azuread_user's object_id or user_principal_name.", s)
		}
		if problem := UPNProblem(s); problem != "" {
			return fmt.Sprintf("%s %s: %s Use the user's object id, or their user principal name exactly as Entra shows it.", attr, problem, upnRules)
		}
		return ""
	}}
}

// upnRules sums up Entra's username policy ("UserPrincipalName requirements", Password policies and
// account restrictions in Microsoft Entra ID, https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy#username-policies;
// the userPrincipalName property of the user resource, https://learn.microsoft.com/graph/api/resources/user).
const upnRules = "a user principal name is name@domain, with only the letters A-Z and a-z, the digits 0-9 and the characters ' . - _ ! # ^ ~ " +
	"(and $, which Graph documents at the start of some names), one @, no '.' right before the @, a domain of letters, digits, hyphens and dots, " +
	"at most 64 characters before the @, 48 after it and 113 in all."

// UPN length limits of Entra's username policy.
const (
	maxUPNLength    = 113
	maxUPNName      = 64
	maxUPNDomain    = 48
	upnNameSpecials = "'.-_!#^~$"
)

// IsUPN reports whether s can be a user principal name under Entra's username policy.
func IsUPN(s string) bool { return UPNProblem(s) == "" }

// UPNProblem says what keeps s from being a user principal name, as the end of a sentence that starts
// with the attribute ("user_id contains ' ' (a space), which a user principal name cannot contain"), or
// returns "" when s can be one. The rules are those of Entra's username policy (see upnRules); '$' is
// accepted in the name because Graph documents principal names that begin with it (Get user, HTTP
// request: "When the userPrincipalName begins with a $ character…").
func UPNProblem(s string) string {
	name, domain, found := strings.Cut(s, "@")
	for _, r := range s {
		if r == '@' || r < utf8.RuneSelf && (isASCIILetterOrDigit(byte(r)) || strings.ContainsRune(upnNameSpecials, r)) {
			continue
		}
		return fmt.Sprintf("contains %s, which a user principal name cannot contain", describeRune(r))
	}
	switch {
	case !found || name == "" || domain == "":
		return "is not name@domain"
	case strings.Contains(domain, "@"):
		return "contains a second '@', and a user principal name has exactly one"
	case strings.HasSuffix(name, "."):
		return "has a '.' right before the '@', which a user principal name cannot have"
	case len(s) > maxUPNLength:
		return fmt.Sprintf("is %d characters long, more than the %d a user principal name may have", len(s), maxUPNLength)
	case len(name) > maxUPNName:
		return fmt.Sprintf("has %d characters before the '@', more than the %d a user principal name may have", len(name), maxUPNName)
	case len(domain) > maxUPNDomain:
		return fmt.Sprintf("has %d characters after the '@', more than the %d a user principal name may have", len(domain), maxUPNDomain)
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return fmt.Sprintf("has the domain %q, which is not a domain name such as contoso.com (a principal name's domain is one of the tenant's verified domains)", domain)
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") || strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			return fmt.Sprintf("has the domain %q, which is not a domain name such as contoso.com (labels of letters, digits and inner hyphens, separated by single dots)", domain)
		}
	}
	return ""
}

func isASCIILetterOrDigit(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// describeRune names a character so that it can be found in the configuration, invisible ones included.
func describeRune(r rune) string {
	switch r {
	case ' ':
		return "' ' (a space)"
	case '\t':
		return "a tab"
	case '\n', '\r':
		return "a line break"
	case '\u00a0':
		return "a non-breaking space (U+00A0)"
	case utf8.RuneError:
		return "bytes that are not UTF-8"
	}
	switch {
	case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
		return fmt.Sprintf("an invisible character (U+%04X)", r)
	case unicode.IsSpace(r):
		return fmt.Sprintf("a space character (U+%04X)", r)
	case unicode.IsLetter(r) && r >= utf8.RuneSelf:
		return fmt.Sprintf("%q (U+%04X, a letter outside A-Z: accented and non-Latin letters are not allowed)", r, r)
	case unicode.IsDigit(r) && r >= utf8.RuneSelf:
		return fmt.Sprintf("%q (U+%04X, a digit outside 0-9)", r, r)
	}
	return fmt.Sprintf("%q", r)
}

var tenantPattern = regexp.MustCompile(`^[0-9a-zA-Z-.]+$`)

// TenantID accepts a tenant GUID or domain, as azidentity does.
func TenantID() validator.String {
	return stringCheck{description: "must be a tenant GUID or domain", check: func(s string) string {
		if tenantPattern.MatchString(s) {
			return ""
		}
		return fmt.Sprintf("%q is not a tenant id. Use the Directory (tenant) ID GUID or a verified domain such as contoso.onmicrosoft.com.", s)
	}}
}

// HTTPSURL requires an absolute https URL.
func HTTPSURL() validator.String {
	return stringCheck{description: "must be an absolute https:// URL", check: func(s string) string {
		if _, err := auth.NormalizeHTTPSURL(s); err != nil {
			return "The value " + err.Error() + ". Tokens and Graph calls are only sent over TLS; use e.g. https://graph.microsoft.us."
		}
		return ""
	}}
}

// RFC3339 requires a timestamp with a time zone, e.g. 2026-12-01T08:00:00+01:00.
func RFC3339() validator.String {
	return stringCheck{description: "must be an RFC 3339 timestamp with a time zone", check: func(s string) string {
		if _, err := ParseRFC3339(s); err != nil {
			return err.Error()
		}
		return ""
	}}
}

// leapSecond matches an RFC 3339 timestamp whose seconds are 60.
var leapSecond = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:60(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$`)

// ParseRFC3339 parses an RFC 3339 timestamp and explains a failure in words.
func ParseRFC3339(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil && leapSecond.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q names a leap second (:60). That is valid RFC 3339, but Go's time and Graph's DateTimeOffset cannot "+
			"represent it, so Graph would refuse it: write :59 of the same minute, or :00 of the next", s)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp. Write the date, time and offset, e.g. 2026-12-01T08:00:00+01:00 or 2026-12-01T07:00:00Z", s)
	}
	return t, nil
}
