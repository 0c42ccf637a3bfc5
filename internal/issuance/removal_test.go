package issuance

import (
	"strings"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
)

func TestPlanRemovalOrder(t *testing.T) {
	methods := []graph.AuthenticationMethod{
		{ID: "pw", Type: graph.MethodPassword},
		{ID: "mobile", Type: graph.MethodPhone, PhoneType: "mobile"},
		{ID: "authenticator", Type: graph.MethodMicrosoftAuthenticator},
		{ID: "alternate", Type: graph.MethodPhone, PhoneType: "alternateMobile"},
		{ID: "key", Type: graph.MethodFido2},
		{ID: "tap", Type: graph.MethodTemporaryAccessPass},
		{ID: "office", Type: graph.MethodPhone, PhoneType: "office"},
		{ID: "mail", Type: graph.MethodEmail},
	}
	ids := func(ms []graph.AuthenticationMethod) string {
		var out []string
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		types []string
		want  string
	}{
		{[]string{"all"}, "key,mail,authenticator,office,alternate,mobile"},
		{[]string{graph.MethodFido2, graph.MethodMicrosoftAuthenticator}, "key,authenticator"},
		{[]string{graph.MethodPhone}, "office,alternate,mobile"},
		{[]string{graph.MethodSoftwareOath}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := ids(PlanRemoval(methods, tt.types)); got != tt.want {
			t.Errorf("PlanRemoval(%v) = %s, want %s", tt.types, got, tt.want)
		}
	}
}
