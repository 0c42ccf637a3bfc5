package validators

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

// FuzzParseRFC3339 checks ParseRFC3339 (and the RFC3339 validator built on it):
//   - it never panics; on failure it returns the zero time and an error quoting the input;
//   - on success, formatting with time.RFC3339Nano and parsing again gives the same instant and offset, and
//     formatting with time.RFC3339 (which has no fraction) and parsing again gives the instant truncated to
//     the second;
//   - the validator reports an error exactly when ParseRFC3339 fails.
func FuzzParseRFC3339(f *testing.F) {
	for _, s := range []string{
		"2026-12-01T08:00:00+01:00", "2026-12-01T07:00:00Z", "2026-12-01T07:00:00.123456789Z", "2026-12-01T07:00:00.5-09:30",
		"0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2026-12-01T07:00:00", "2026-12-01 07:00:00Z",
		"2026-02-30T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T23:59:60Z", "2026-12-01t07:00:00z", "", "now",
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseRFC3339(s)
		if resp := validateString(RFC3339(), s); resp.Diagnostics.HasError() != (err != nil) {
			t.Fatalf("RFC3339 validator on %q: error %v, ParseRFC3339 error %v", s, resp.Diagnostics.HasError(), err)
		}
		if err != nil {
			if !got.IsZero() {
				t.Fatalf("ParseRFC3339(%q) failed but returned %v", s, got)
			}
			if msg := err.Error(); msg == "" || !strings.Contains(msg, "RFC 3339") {
				t.Fatalf("ParseRFC3339(%q) error %q does not explain the format", s, msg)
			}
			return
		}

		nano := got.Format(time.RFC3339Nano)
		again, err := ParseRFC3339(nano)
		if err != nil {
			t.Fatalf("ParseRFC3339(%q) = %v, whose RFC3339Nano form %q does not parse: %v", s, got, nano, err)
		}
		_, offset := got.Zone()
		if _, againOffset := again.Zone(); !again.Equal(got) || againOffset != offset {
			t.Fatalf("ParseRFC3339(%q) = %v; round trip through %q gives %v", s, got, nano, again)
		}

		secs := got.Format(time.RFC3339)
		again, err = ParseRFC3339(secs)
		if err != nil {
			t.Fatalf("ParseRFC3339(%q) = %v, whose RFC3339 form %q does not parse: %v", s, got, secs, err)
		}
		if want := got.Add(-time.Duration(got.Nanosecond())); !again.Equal(want) {
			t.Fatalf("ParseRFC3339(%q) = %v; round trip through %q gives %v, want %v", s, got, secs, again, want)
		}
	})
}

// FuzzUserIDOrUPN checks IsGUID, IsUPN and the GUID and UserIDOrUPN validators:
//   - nothing panics;
//   - IsGUID implies a length of 36, the 8-4-4-4-12 dash positions, no '@', and agreement with tap.IsObjectID;
//   - IsUPN implies exactly one '@' with something on both sides, only the ASCII letters, digits and
//     ' . - _ ! # ^ ~ $ of Entra's username policy, no '.' right before the '@', a dotted domain, and the
//     policy's lengths (64 before the '@', 48 after, 113 in all);
//   - the UserIDOrUPN validator reports an error exactly when the value is neither, and GUID exactly when it
//     is not a GUID; an error about a character names the attribute and quotes the policy.
func FuzzUserIDOrUPN(f *testing.F) {
	for _, s := range []string{
		"0b8f4d3c-1a2b-4c5d-8e9f-000000000001", "0B8F4D3C-1A2B-4C5D-8E9F-00000000000A", "{0b8f4d3c-1a2b-4c5d-8e9f-000000000001}",
		"0b8f4d3c1a2b4c5d8e9f000000000001", "0b8f4d3c-1a2b-4c5d-8e9f-000000000001\n", "adele.vance@contoso.onmicrosoft.com",
		"adele@", "@contoso.com", "a@b@c", "a b@c", "john#EXT#@contoso.onmicrosoft.com", "ﬀ@ｃｏｎｔｏｓｏ.com", "", "@",
		"$adele@contoso.com", "o'neil@contoso.com", "adele.@contoso.com", "adele@contoso", "adele@-contoso.com", "adele@contoso..com",
		"adele@contoso.com.", "adélie@contoso.com", "adele\tvance@contoso.com", "adele+tag@contoso.com", "a!#^~_-.b@sub.contoso.com",
		"adele@contoso_ltd.com", strings.Repeat("a", 64) + "@contoso.com", strings.Repeat("a", 65) + "@contoso.com",
		"a@" + strings.Repeat("b", 44) + ".com", "a@" + strings.Repeat("b", 45) + ".com", "adele\u200b@contoso.com",
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, s string) {
		guid, upn := IsGUID(s), IsUPN(s)
		if guid {
			if len(s) != 36 {
				t.Fatalf("IsGUID(%q) with length %d", s, len(s))
			}
			for i, c := range []byte(s) {
				if (i == 8 || i == 13 || i == 18 || i == 23) != (c == '-') {
					t.Fatalf("IsGUID(%q): byte %d is %q", s, i, c)
				}
			}
			if upn {
				t.Fatalf("%q is both a GUID and a UPN", s)
			}
		}
		if guid != tap.IsObjectID(s) {
			t.Fatalf("IsGUID(%q) = %v but tap.IsObjectID = %v", s, guid, !guid)
		}
		if upn {
			local, domain, _ := strings.Cut(s, "@")
			if local == "" || domain == "" || strings.Count(s, "@") != 1 || strings.ContainsAny(s, " \t\r\n/\\?") {
				t.Fatalf("IsUPN(%q) accepted a value that is not name@domain", s)
			}
			if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.-_!#^~$@") != "" {
				t.Fatalf("IsUPN(%q) accepted a character outside Entra's username policy", s)
			}
			if strings.HasSuffix(local, ".") || !strings.Contains(domain, ".") || len(s) > 113 || len(local) > 64 || len(domain) > 48 {
				t.Fatalf("IsUPN(%q) accepted a value the username policy refuses (dot before @, domain, or length)", s)
			}
		}

		resp := validateString(UserIDOrUPN(), s)
		if got, want := resp.Diagnostics.HasError(), !guid && !upn; got != want {
			t.Fatalf("UserIDOrUPN on %q: error %v, IsGUID %v, IsUPN %v", s, got, guid, upn)
		}
		if resp.Diagnostics.HasError() && strings.Contains(s, "@") {
			if detail := resp.Diagnostics[0].Detail(); !strings.HasPrefix(detail, "x ") || !strings.Contains(detail, "a user principal name is name@domain") {
				t.Fatalf("UserIDOrUPN on %q: the error must start with the attribute and state the rules: %q", s, detail)
			}
		}
		if got := validateString(GUID(), s).Diagnostics.HasError(); got != !guid {
			t.Fatalf("GUID on %q: error %v, IsGUID %v", s, got, guid)
		}
	})
}

// The error names the attribute and the character, in words for the invisible ones.
func TestUserIDOrUPNNamesTheBadCharacter(t *testing.T) {
	for _, tt := range []struct{ value, want string }{
		{"adele vance@contoso.com", "user_id contains ' ' (a space), which a user principal name cannot contain: a user principal name is name@domain"},
		{"adele\u00a0vance@contoso.com", "user_id contains a non-breaking space (U+00A0), which a user principal name cannot contain"},
		{"adélie@contoso.com", "user_id contains 'é' (U+00E9, a letter outside A-Z: accented and non-Latin letters are not allowed)"},
		{"adele+tag@contoso.com", "user_id contains '+', which a user principal name cannot contain"},
		{"adele\u200b@contoso.com", "user_id contains an invisible character (U+200B)"},
		{"a@b@contoso.com", "user_id contains a second '@'"},
		{"adele.@contoso.com", "user_id has a '.' right before the '@'"},
		{"adele@contoso", "user_id has the domain \"contoso\", which is not a domain name"},
		{"adele@contoso..com", "which is not a domain name"},
		{strings.Repeat("a", 65) + "@contoso.com", "user_id has 65 characters before the '@', more than the 64"},
		{"linus", "\"linus\" is neither an object id (GUID) nor a user principal name"},
	} {
		resp := &validator.StringResponse{}
		UserIDOrUPN().ValidateString(context.Background(), validator.StringRequest{Path: path.Root("user_id"), ConfigValue: types.StringValue(tt.value)}, resp)
		if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics[0].Detail(), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.value, resp.Diagnostics, tt.want)
		}
	}
	for _, ok := range []string{"adele@contoso.com", "$adele@contoso.com", "o'neil@contoso.com", "adele_fabrikam.com#EXT#@contoso.onmicrosoft.com",
		"a!#^~_-.b@sub.contoso-ltd.com", "0b8f4d3c-1a2b-4c5d-8e9f-000000000001"} {
		if resp := validateString(UserIDOrUPN(), ok); resp.Diagnostics.HasError() {
			t.Errorf("%q refused: %v", ok, resp.Diagnostics)
		}
	}
}

func validateString(v validator.String, s string) *validator.StringResponse {
	resp := &validator.StringResponse{}
	v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("x"), ConfigValue: types.StringValue(s)}, resp)
	return resp
}
