// Package tap holds the rules of the Temporary Access Pass that the provider enforces before anything is
// written to Graph: the policy's documented ranges and consistency (graph-spec §2, §9), and who may be
// issued which pass. It has no I/O, so it is unit tested, fuzzed and benchmarked on its own.
package tap

import (
	"fmt"
	"regexp"
	"strings"
)

// Documented bounds (graph-spec §2.1).
const (
	MinLength   = 8
	MaxLength   = 48
	MinLifetime = 10
	MaxLifetime = 43200
)

// AllUsers is the include target id that stands for every user.
const AllUsers = "all_users"

// Target types.
const (
	TargetGroup = "group"
	TargetUser  = "user"
)

// Problem is one reason a configuration cannot work, tied to the attribute to fix.
type Problem struct {
	// Attribute is the top-level attribute name, e.g. "default_lifetime_in_minutes" or "include_targets".
	Attribute string
	// TargetID is set for problems with one target.
	TargetID string
	Summary  string
	Detail   string
}

// Setting is an effective policy value: from the configuration, or the tenant's current value.
type Setting struct {
	Value      int64
	FromConfig bool
}

func (s Setting) describe(name string) string {
	if s.FromConfig {
		return fmt.Sprintf("%s = %d", name, s.Value)
	}
	return fmt.Sprintf("%s is %d (the tenant's current value, not set in the configuration)", name, s.Value)
}

// CheckLifetimes enforces minimum ≤ default ≤ maximum on the effective values. The problem points at an
// attribute set in the configuration when there is one, since that is what the user can change.
func CheckLifetimes(minimum, def, maximum Setting) []Problem {
	const (
		minName = "minimum_lifetime_in_minutes"
		defName = "default_lifetime_in_minutes"
		maxName = "maximum_lifetime_in_minutes"
	)
	var problems []Problem
	if minimum.Value > maximum.Value {
		attr := pick(maxName, maximum, minName, minimum)
		problems = append(problems, Problem{
			Attribute: attr,
			Summary:   "Minimum lifetime exceeds maximum lifetime",
			Detail: fmt.Sprintf("%s, but %s. The minimum must not be greater than the maximum: lower the minimum or raise the maximum.",
				minimum.describe(minName), maximum.describe(maxName)),
		})
		return problems
	}
	if def.Value < minimum.Value || def.Value > maximum.Value {
		attr := defName
		if !def.FromConfig {
			if def.Value < minimum.Value {
				attr = pick(minName, minimum, maxName, maximum)
			} else {
				attr = pick(maxName, maximum, minName, minimum)
			}
		}
		problems = append(problems, Problem{
			Attribute: attr,
			Summary:   "Default lifetime outside the allowed range",
			Detail: fmt.Sprintf("%s, which is outside the range from %s to %s. Graph requires minimum ≤ default ≤ maximum: "+
				"set default_lifetime_in_minutes to a value between %d and %d, or widen the range.",
				def.describe(defName), minimum.describe(minName), maximum.describe(maxName), minimum.Value, maximum.Value),
		})
	}
	return problems
}

// pick returns the first attribute that is set in the configuration, else the first.
func pick(first string, fs Setting, second string, ss Setting) string {
	if !fs.FromConfig && ss.FromConfig {
		return second
	}
	return first
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsObjectID reports whether s is a directory object id (a GUID).
func IsObjectID(s string) bool { return guidPattern.MatchString(s) }

// Target is a policy include or exclude target as configured.
type Target struct {
	ID   string
	Type string
}

// CheckTargetID validates one target id and type; include says whether all_users is allowed.
func CheckTargetID(t Target, attribute string, include bool) *Problem {
	switch {
	case t.ID == AllUsers || strings.EqualFold(t.ID, AllUsers):
		if !include {
			return &Problem{Attribute: attribute, TargetID: t.ID, Summary: "all_users cannot be excluded",
				Detail: "`all_users` is only valid in include_targets. To turn Temporary Access Pass off for everyone, set enabled = false."}
		}
		if t.ID != AllUsers {
			return &Problem{Attribute: attribute, TargetID: t.ID, Summary: "Invalid target id",
				Detail: fmt.Sprintf("%q must be written in lower case: all_users.", t.ID)}
		}
		if t.Type != TargetGroup {
			return &Problem{Attribute: attribute, TargetID: t.ID, Summary: "all_users is a group target",
				Detail: fmt.Sprintf("The id all_users stands for the group of all users; set target_type = \"group\" (it is %q).", t.Type)}
		}
	case !IsObjectID(t.ID):
		return &Problem{Attribute: attribute, TargetID: t.ID, Summary: "Invalid target id",
			Detail: fmt.Sprintf("%q is not an object id. Use the GUID of a user or group (its Object ID in the Entra admin center, or azuread_group.x.object_id)%s.",
				t.ID, map[bool]string{true: ", or all_users", false: ""}[include])}
	}
	// target_type itself is checked by the schema (one of group, user), with the element's path.
	return nil
}

// CheckTargets validates the include and exclude targets together: ids, types, and contradictions.
func CheckTargets(include, exclude []Target) []Problem {
	var problems []Problem
	seen := map[string]string{}
	for _, list := range []struct {
		attr    string
		include bool
		targets []Target
	}{{"include_targets", true, include}, {"exclude_targets", false, exclude}} {
		for _, t := range list.targets {
			if p := CheckTargetID(t, list.attr, list.include); p != nil {
				problems = append(problems, *p)
				continue
			}
			key := strings.ToLower(t.ID)
			if prev, dup := seen[key]; dup {
				if prev == list.attr {
					problems = append(problems, Problem{Attribute: list.attr, TargetID: t.ID, Summary: "Duplicate target",
						Detail: fmt.Sprintf("%s lists %s more than once with different settings; keep one entry.", list.attr, t.ID)})
				} else {
					problems = append(problems, Problem{Attribute: list.attr, TargetID: t.ID, Summary: "Target both included and excluded",
						Detail: fmt.Sprintf("%s is in include_targets and in exclude_targets. Exclusion wins in Entra, so the include has no effect: remove it from one of them.", t.ID)})
				}
				continue
			}
			seen[key] = list.attr
		}
	}
	return problems
}

// Policy is the tenant's Temporary Access Pass policy (graph-spec §2.1).
type Policy struct {
	Enabled                  bool
	DefaultLength            int
	DefaultLifetimeInMinutes int
	MinimumLifetimeInMinutes int
	MaximumLifetimeInMinutes int
	IsUsableOnce             bool
	IncludeTargets           []IncludeTarget
	ExcludeTargets           []Target
}

// IncludeTarget is a user or group (or all_users) the policy applies to.
type IncludeTarget struct {
	ID                     string
	Type                   string
	IsRegistrationRequired bool
}
