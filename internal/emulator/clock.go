package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// clockView is the control API's view of a tenant clock.
type clockView struct {
	Now           string  `json:"now"`
	OffsetSeconds float64 `json:"offsetSeconds"`
	Real          bool    `json:"real"`
}

func (s *tenantState) clockView() clockView {
	return clockView{Now: s.now().Format(time.RFC3339Nano), OffsetSeconds: s.clockOffset.Seconds(), Real: s.clockOffset == 0}
}

// setClock applies {"now": RFC 3339} or {"advance": "90m"} or {"real": true}.
// Only passes, usability and replication lag follow the tenant clock; token lifetimes use real time.
func (s *tenantState) setClock(body []byte) error {
	var req struct {
		Now     *string `json:"now"`
		Advance *string `json:"advance"`
		Real    *bool   `json:"real"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return errors.New("clock: body must be a JSON object")
	}
	set := 0
	for _, p := range []bool{req.Now != nil, req.Advance != nil, req.Real != nil} {
		if p {
			set++
		}
	}
	if set != 1 {
		return errors.New(`clock: give exactly one of "now", "advance" or "real"`)
	}
	switch {
	case req.Now != nil:
		t, err := time.Parse(time.RFC3339Nano, *req.Now)
		if err != nil {
			return fmt.Errorf("clock: now must be RFC 3339: %v", err)
		}
		s.clockOffset = time.Until(t)
	case req.Advance != nil:
		d, err := parseLongDuration(*req.Advance)
		if err != nil {
			return fmt.Errorf("clock: advance: %v", err)
		}
		s.clockOffset += d
	case *req.Real:
		s.clockOffset = 0
	}
	return nil
}

// parseLongDuration is time.ParseDuration plus a whole-day suffix ("2d"), since passes live for days.
func parseLongDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", v)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	return time.ParseDuration(v)
}

// clockNow reads the tenant clock under the tenant lock.
func (t *tenant) clockNow() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.s.now()
}
