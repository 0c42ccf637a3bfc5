package acctest

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// ParallelTest is resource.ParallelTest with every plan and state the CLI shows (`show -json`) kept for the
// leak scan at the end of the run.
func ParallelTest(t *testing.T, tc resource.TestCase) {
	t.Helper()
	resource.ParallelTest(t, withLeakCapture(tc))
}

// Test is resource.Test with the same leak capture.
func Test(t *testing.T, tc resource.TestCase) {
	t.Helper()
	resource.Test(t, withLeakCapture(tc))
}

// shown holds the JSON of every plan and state the tests looked at.
var shown struct {
	sync.Mutex
	bytes.Buffer
}

func keepShown(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	shown.Lock()
	defer shown.Unlock()
	shown.Write(b)
	shown.WriteByte('\n')
}

type captureShownPlan struct{}

func (captureShownPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, _ *plancheck.CheckPlanResponse) {
	keepShown(req.Plan)
}

type captureShownState struct{}

func (captureShownState) CheckState(_ context.Context, req statecheck.CheckStateRequest, _ *statecheck.CheckStateResponse) {
	keepShown(req.State)
}

func withLeakCapture(tc resource.TestCase) resource.TestCase {
	steps := make([]resource.TestStep, len(tc.Steps))
	for i, s := range tc.Steps {
		if !s.ImportState && !s.PlanOnly && s.Config != "" && s.ExpectError == nil {
			s.ConfigPlanChecks.PreApply = append(append([]plancheck.PlanCheck{}, s.ConfigPlanChecks.PreApply...), captureShownPlan{})
			s.ConfigPlanChecks.PostApplyPostRefresh = append(append([]plancheck.PlanCheck{}, s.ConfigPlanChecks.PostApplyPostRefresh...), captureShownPlan{})
			s.ConfigStateChecks = append(append([]statecheck.StateCheck{}, s.ConfigStateChecks...), captureShownState{})
		}
		steps[i] = s
	}
	tc.Steps = steps
	return tc
}
