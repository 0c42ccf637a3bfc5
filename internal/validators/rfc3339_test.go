package validators

import (
	"strings"
	"testing"
)

func TestParseRFC3339ExplainsLeapSeconds(t *testing.T) {
	_, err := ParseRFC3339("2016-12-31T23:59:60Z")
	if err == nil || !strings.Contains(err.Error(), "leap second") || !strings.Contains(err.Error(), ":59 of the same minute") {
		t.Fatalf("want the leap-second explanation, got %v", err)
	}
	if _, err := ParseRFC3339("2016-12-31T23:59:59+01:00"); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseRFC3339("2016-12-31T23:59:61Z"); err == nil || strings.Contains(err.Error(), "leap second") {
		t.Fatalf(":61 is no leap second: %v", err)
	}
}
