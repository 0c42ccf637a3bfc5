package issuance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
)

// RemoveAll in a removal request stands for every method Graph lets an administrator remove.
const RemoveAll = "all"

// RemovableTypes are the method types a removal accepts. Passwords cannot be removed (graph-spec §5.2) and a
// pass is replaced by issuing a new one, so neither is listed.
var RemovableTypes = []string{
	graph.MethodFido2, graph.MethodMicrosoftAuthenticator, graph.MethodPhone, graph.MethodEmail, graph.MethodSoftwareOath,
	graph.MethodWindowsHelloForBusiness, graph.MethodPlatformCredential, graph.MethodExternal,
}

// removalRank orders removals. Graph refuses to remove the mobile phone while an alternate mobile exists,
// and the user's default method while other methods remain (graph-spec §5.2). v1.0 does not say which
// method is the default, so the methods that usually are (Authenticator, then phones) go last.
func removalRank(m graph.AuthenticationMethod) int {
	switch m.Type {
	case graph.MethodWindowsHelloForBusiness:
		return 0
	case graph.MethodPlatformCredential:
		return 1
	case graph.MethodFido2:
		return 2
	case graph.MethodSoftwareOath:
		return 3
	case graph.MethodExternal:
		return 4
	case graph.MethodEmail:
		return 5
	case graph.MethodMicrosoftAuthenticator:
		return 6
	case graph.MethodPhone:
		switch m.PhoneType {
		case "office":
			return 7
		case "alternateMobile":
			return 8
		default:
			return 9
		}
	}
	return 5
}

// PlanRemoval selects the user's methods of the requested types, in an order Graph accepts.
func PlanRemoval(methods []graph.AuthenticationMethod, types []string) []graph.AuthenticationMethod {
	wanted := map[string]bool{}
	for _, t := range types {
		if t == RemoveAll {
			for _, r := range RemovableTypes {
				wanted[r] = true
			}
			continue
		}
		wanted[t] = true
	}
	var selected []graph.AuthenticationMethod
	for _, m := range methods {
		if wanted[m.Type] {
			selected = append(selected, m)
		}
	}
	sort.SliceStable(selected, func(i, j int) bool { return removalRank(selected[i]) < removalRank(selected[j]) })
	return selected
}

// RemoveMethods removes the user's methods of the given types. It returns what it removed, in order, and,
// when it fails, what it did not. A removal Graph refuses because the method is the user's default is retried
// once the others are gone. progress, when set, hears of each removal.
func (e *Engine) RemoveMethods(ctx context.Context, userID string, types []string, progress func(string)) (removed, notRemoved []graph.AuthenticationMethod, err error) {
	if len(types) == 0 {
		return nil, nil, nil
	}
	ctx = graph.ForRemoving(ctx)
	methods, err := e.graph.ListMethods(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	planned := PlanRemoval(methods, types)
	done := map[string]bool{}
	remove := func(m graph.AuthenticationMethod) error {
		if err := e.graph.DeleteMethod(ctx, userID, m); err != nil && !errors.Is(err, graph.ErrNotFound) {
			return err
		}
		done[m.ID] = true
		removed = append(removed, m)
		tflog.Info(ctx, "Removed an authentication method", map[string]any{"user_id": userID, "type": m.Type, "method_id": m.ID})
		if progress != nil {
			progress("Removed " + DescribeMethod(m))
		}
		return nil
	}
	left := func() []graph.AuthenticationMethod {
		var out []graph.AuthenticationMethod
		for _, m := range planned {
			if !done[m.ID] {
				out = append(out, m)
			}
		}
		return out
	}
	var postponed []graph.AuthenticationMethod
	for _, m := range planned {
		err := remove(m)
		if gerr, ok := graph.AsError(err); ok && gerr.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(gerr.Message), "default") {
			postponed = append(postponed, m)
			continue
		}
		if err != nil {
			return removed, left(), err
		}
	}
	for _, m := range postponed {
		if err := remove(m); err != nil {
			return removed, left(), fmt.Errorf("%w\n\n%s is the user's default sign-in method, which Graph does not delete while it is the default "+
				"(graph-spec §5.2): change the user's default method in the Entra admin center (the user's Authentication methods), then remove it again", err, DescribeMethod(m))
		}
	}
	return removed, nil, nil
}

// DescribeMethod names a method for people: its type, its name or phone type, and its id.
func DescribeMethod(m graph.AuthenticationMethod) string {
	parts := []string{m.Type}
	switch {
	case m.DisplayName != "":
		parts = append(parts, fmt.Sprintf("%q", m.DisplayName))
	case m.PhoneType != "":
		parts = append(parts, m.PhoneType)
	}
	return strings.Join(parts, " ") + " (" + m.ID + ")"
}
