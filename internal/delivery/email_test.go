package delivery

import (
	"strings"
	"testing"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/issuance"
)

func TestRenderGivesTheWindowInTheTimeZone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	p := issuance.Pass{
		TemporaryAccessPass: graph.TemporaryAccessPass{ID: "p1", Value: "TAPRocks!", StartDateTime: time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC), LifetimeInMinutes: 480, IsUsableOnce: true},
		User:                graph.User{ID: "u1", UserPrincipalName: "ada@contoso.com", DisplayName: "Ada Lovelace"},
	}
	body := Render(DefaultBody, p, paris)
	for _, want := range []string{
		"Ada Lovelace (ada@contoso.com)", "Pass: TAPRocks!", "Sign in at: https://aka.ms/mysecurityinfo",
		"Valid from Monday 7 December 2026, 08:00 CET (UTC+01:00) until Monday 7 December 2026, 16:00 CET (UTC+01:00) (Europe/Paris).",
		"It works for one sign-in only.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the body lacks %q:\n%s", want, body)
		}
	}
	if s := Render(DefaultSubject, p, time.UTC); s != "Temporary Access Pass for Ada Lovelace" {
		t.Errorf("subject %q", s)
	}
}

func TestCheckTemplate(t *testing.T) {
	if p := CheckTemplate(DefaultBody, true); len(p) != 0 {
		t.Errorf("the default body must be valid: %v", p)
	}
	if p := CheckTemplate("Hello {{ user_display_name }}", true); len(p) != 1 || !strings.Contains(p[0], "no {{pass}}") {
		t.Errorf("a body without the pass: %v", p)
	}
	if p := CheckTemplate("{{password}}", false); len(p) != 1 || !strings.Contains(p[0], "{{password}} is not a placeholder") {
		t.Errorf("an unknown placeholder: %v", p)
	}
}
