package tap

import (
	"strings"
	"testing"
	"time"
)

func TestExpiryAfterTheYear9999IsRefused(t *testing.T) {
	policy := Policy{Enabled: true, MinimumLifetimeInMinutes: 10, DefaultLifetimeInMinutes: 60, MaximumLifetimeInMinutes: 43200}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	late := time.Date(9999, 12, 31, 23, 30, 0, 0, time.UTC)
	problems := CheckPassRequest(policy, PassRequest{StartDateTime: &late}, now)
	if len(problems) != 1 || problems[0].Attribute != "start_date_time" || !strings.Contains(problems[0].Detail, "9999-12-31T23:59:59Z") {
		t.Fatalf("want one problem on start_date_time naming the last instant, got %+v", problems)
	}
	fine := time.Date(9999, 12, 31, 22, 0, 0, 0, time.UTC)
	if problems := CheckPassRequest(policy, PassRequest{StartDateTime: &fine}, now); len(problems) != 0 {
		t.Fatalf("a pass that ends before 9999-12-31T23:59:59Z is fine, got %+v", problems)
	}
}
