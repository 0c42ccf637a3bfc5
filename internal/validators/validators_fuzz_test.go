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
//   - IsUPN implies exactly one '@' with something on both sides and no whitespace, '/', '\' or '?';
//   - the UserIDOrUPN validator reports an error exactly when the value is neither, and GUID exactly when it
//     is not a GUID.
func FuzzUserIDOrUPN(f *testing.F) {
	for _, s := range []string{
		"0b8f4d3c-1a2b-4c5d-8e9f-000000000001", "0B8F4D3C-1A2B-4C5D-8E9F-00000000000A", "{0b8f4d3c-1a2b-4c5d-8e9f-000000000001}",
		"0b8f4d3c1a2b4c5d8e9f000000000001", "0b8f4d3c-1a2b-4c5d-8e9f-000000000001\n", "adele.vance@contoso.onmicrosoft.com",
		"adele@", "@contoso.com", "a@b@c", "a b@c", "john#EXT#@contoso.onmicrosoft.com", "ﬀ@ｃｏｎｔｏｓｏ.com", "", "@",
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
		}

		if got, want := validateString(UserIDOrUPN(), s).Diagnostics.HasError(), !guid && !upn; got != want {
			t.Fatalf("UserIDOrUPN on %q: error %v, IsGUID %v, IsUPN %v", s, got, guid, upn)
		}
		if got := validateString(GUID(), s).Diagnostics.HasError(); got != !guid {
			t.Fatalf("GUID on %q: error %v, IsGUID %v", s, got, guid)
		}
	})
}

func validateString(v validator.String, s string) *validator.StringResponse {
	resp := &validator.StringResponse{}
	v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("x"), ConfigValue: types.StringValue(s)}, resp)
	return resp
}
