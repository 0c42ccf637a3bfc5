package issuance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

// Pass is a pass just minted, with its value, and the user who holds it.
type Pass struct {
	graph.TemporaryAccessPass
	User graph.User
}

// Delivery hands a minted pass to the place a person picks it up. When Deliver fails, Issue revokes the pass.
type Delivery interface {
	// Channel names the delivery in messages, e.g. "email to the manager" or "Key Vault secret tap-ada".
	Channel() string
	Deliver(ctx context.Context, p Pass) (Receipt, error)
}

// Receipt records where a pass went. It never holds the pass.
type Receipt struct {
	Channel string
	// Destination is where it went: mail addresses, a secret id with its version.
	Destination string
	// Reference is the delivery's own id: a message id, a request id.
	Reference string
	At        time.Time
}

// IssueRequest is a pass to mint for a user who passed Check (or was resolved while applying).
type IssueRequest struct {
	User          graph.User
	Pass          tap.PassRequest
	RemoveMethods []string
	Deliveries    []Delivery
	// Progress, when set, is told about each step as it happens (the helpdesk action shows it).
	Progress func(string)
}

// Issued is what Issue did.
type Issued struct {
	Pass     Pass
	Receipts []Receipt
	Removed  []graph.AuthenticationMethod
}

// Issue mints a pass, delivers it, then removes the methods asked for, in that order: a pass that cannot be
// delivered is revoked and removes nothing, and a user never loses a method without holding a new pass.
func (e *Engine) Issue(ctx context.Context, req IssueRequest) (*Issued, error) {
	// A 403 on any read on the way names the write permission this needs, not the read's.
	ctx = graph.ForIssuing(ctx)
	progress := req.Progress
	if progress == nil {
		progress = func(string) {}
	}
	body := graph.NewTAP{StartDateTime: tap.StartForGraph(req.Pass.StartDateTime, e.now()), IsUsableOnce: req.Pass.IsUsableOnce}
	if req.Pass.LifetimeInMinutes != nil {
		lifetime := int(*req.Pass.LifetimeInMinutes)
		body.LifetimeInMinutes = &lifetime
	}
	minted, err := e.mint(ctx, req.User, body)
	if err != nil {
		return nil, err
	}
	pass := Pass{TemporaryAccessPass: *minted, User: req.User}
	if strings.EqualFold(pass.MethodUsabilityReason, "DisabledByPolicy") {
		// Microsoft documents both readings: Graph refuses a pass for a user outside the policy's targets, or
		// creates one that cannot sign in. A pass that cannot sign in is no pass: revoke it, remove nothing.
		revokeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		revokeErr := e.graph.DeleteTAP(revokeCtx, pass.User.ID, pass.ID)
		return nil, &Error{Step: StepIssue, User: req.User, PassID: pass.ID, Unusable: true, Revoked: revokeErr == nil || errors.Is(revokeErr, graph.ErrNotFound), RevokeErr: revokeErr,
			Err: errors.New("the tenant's Temporary Access Pass policy does not let this user sign in with a pass: the user is outside its targets, or it is disabled")}
	}
	tflog.Info(ctx, "Issued a Temporary Access Pass", map[string]any{
		"user_id": req.User.ID, "pass_id": pass.ID, "start": pass.StartDateTime.Format(time.RFC3339), "lifetime_in_minutes": pass.LifetimeInMinutes,
	})
	progress(fmt.Sprintf("Issued pass %s for %s (works %s to %s)", pass.ID, req.User.UserPrincipalName,
		pass.StartDateTime.Format(time.RFC3339), pass.ExpirationDateTime().Format(time.RFC3339)))

	issued := &Issued{Pass: pass}
	for _, d := range req.Deliveries {
		receipt, err := d.Deliver(ctx, pass)
		if err != nil {
			return nil, e.revokeUndelivered(ctx, pass, d.Channel(), issued.Receipts, err)
		}
		issued.Receipts = append(issued.Receipts, receipt)
		progress("Delivered it: " + receipt.Channel + " (" + receipt.Destination + ")")
	}

	if len(req.RemoveMethods) > 0 {
		removed, notRemoved, err := e.RemoveMethods(ctx, req.User.ID, req.RemoveMethods, progress)
		issued.Removed = removed
		if err != nil {
			return issued, &Error{Step: StepRemove, User: req.User, PassID: pass.ID, Removed: removed, NotRemoved: notRemoved, Err: err}
		}
	}
	return issued, nil
}

// revokeUndelivered revokes a pass whose delivery failed: nobody may hold a live pass that nobody received.
func (e *Engine) revokeUndelivered(ctx context.Context, pass Pass, channel string, delivered []Receipt, cause error) error {
	// The operation's own context may be what ran out; the revocation still gets its chance.
	revokeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := e.graph.DeleteTAP(revokeCtx, pass.User.ID, pass.ID)
	revoked := err == nil || errors.Is(err, graph.ErrNotFound)
	tflog.Warn(ctx, "A delivery failed; revoking the pass", map[string]any{"user_id": pass.User.ID, "pass_id": pass.ID, "channel": channel, "revoked": revoked})
	return &Error{Step: StepDeliver, User: pass.User, PassID: pass.ID, Channel: channel, Revoked: revoked, Delivered: delivered, RevokeErr: err, Err: cause}
}

// mint creates the pass and makes sure a creation whose outcome is unknown never leaves a pass nobody can
// read (guarantee 3):
//   - a user created moments ago may be unknown to the authentication methods service for a while, so
//     "not found" is retried for a bounded time;
//   - an answer that never came, or a 5xx (Graph may have acted before failing), is followed by a second
//     creation, which replaces whatever the first one made; if that fails too, the passes created since the
//     first attempt are revoked.
func (e *Engine) mint(ctx context.Context, user graph.User, body graph.NewTAP) (*graph.TemporaryAccessPass, error) {
	started := e.now()
	deadline := time.Now().Add(time.Duration(ApplyPatience))
	wait := time.Second
	for {
		created, err := e.graph.CreateTAP(ctx, user.ID, body)
		switch {
		case err == nil:
			return created, nil
		case ctx.Err() != nil:
			// Interrupted or out of time while a creation was in flight: it may have happened.
			return nil, e.revokeSince(ctx, user, started, err)
		case errors.Is(err, graph.ErrNotFound) && time.Now().Add(wait).Before(deadline):
			tflog.Info(ctx, "The user is not visible to the authentication methods service yet; waiting for replication", map[string]any{"user_id": user.ID, "wait": wait.String()})
			if sleepErr := sleep(ctx, wait); sleepErr != nil {
				return nil, &Error{Step: StepIssue, User: user, Err: err}
			}
			wait = min(wait*2, 10*time.Second)
			continue
		case graph.NotSent(err), !outcomeUnknown(err):
			// Graph refused, or never saw the request (an unreachable endpoint): no pass exists.
			return nil, &Error{Step: StepIssue, User: user, Err: err}
		}
		return e.reissue(ctx, user, body, started, err)
	}
}

// outcomeUnknown says whether Graph may have created the pass although the request failed.
func outcomeUnknown(err error) bool {
	gerr, answered := graph.AsError(err)
	return !answered || gerr.StatusCode >= http.StatusInternalServerError
}

func (e *Engine) reissue(ctx context.Context, user graph.User, body graph.NewTAP, since time.Time, first error) (*graph.TemporaryAccessPass, error) {
	tflog.Warn(ctx, "The outcome of a pass creation is unknown; issuing again, which replaces any pass Graph created meanwhile",
		map[string]any{"user_id": user.ID, "error": first.Error()})
	created, err := e.graph.CreateTAP(ctx, user.ID, body)
	if err == nil {
		return created, nil
	}
	return nil, e.revokeSince(ctx, user, since, fmt.Errorf("%w; issuing again failed too: %w", first, err))
}

// orphanSkew allows for the difference between the clock that stamped the start of a creation (Graph's, as
// the engine estimates it from its answers) and the one that stamped the pass, when looking for passes an
// unanswered creation made. It is short on purpose: a pass a previous run delivered minutes ago must not be
// taken for an orphan.
const orphanSkew = time.Minute

// revokeSince revokes the passes a failed creation may have made: those created since it started.
func (e *Engine) revokeSince(ctx context.Context, user graph.User, since time.Time, cause error) error {
	revokeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	passes, err := e.graph.ListTAPs(revokeCtx, user.ID)
	if err != nil {
		return &Error{Step: StepIssue, User: user, Err: cause, RevokeErr: fmt.Errorf("listing the user's passes to revoke one created without an answer: %w", err), Unsure: true}
	}
	for _, p := range passes {
		if p.CreatedDateTime.Before(since.Add(-orphanSkew)) {
			continue
		}
		if err := e.graph.DeleteTAP(revokeCtx, user.ID, p.ID); err != nil && !errors.Is(err, graph.ErrNotFound) {
			return &Error{Step: StepIssue, User: user, PassID: p.ID, Err: cause, RevokeErr: err}
		}
		return &Error{Step: StepIssue, User: user, PassID: p.ID, Revoked: true, Err: cause}
	}
	return &Error{Step: StepIssue, User: user, Err: cause}
}

// Steps of an issuance, for Error.
const (
	StepIssue   = "issue"
	StepDeliver = "deliver"
	StepRemove  = "remove"
)

// Error is a failed issuance, with what had been done before the failure: nobody has to guess whether a
// pass exists, who holds it, or which methods are gone.
type Error struct {
	Step string
	User graph.User
	// PassID is set once a pass exists (or existed, when Revoked).
	PassID  string
	Revoked bool
	// Unsure says a pass may exist that could not be looked for.
	Unsure bool
	// Unusable says Graph created a pass that cannot sign in (DisabledByPolicy).
	Unusable  bool
	RevokeErr error
	// Channel is the delivery that failed; Delivered the ones that had succeeded before it.
	Channel    string
	Delivered  []Receipt
	Removed    []graph.AuthenticationMethod
	NotRemoved []graph.AuthenticationMethod
	Err        error
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	who := e.User.UserPrincipalName
	if who == "" {
		who = e.User.ID
	}
	var b strings.Builder
	switch e.Step {
	case StepIssue:
		fmt.Fprintf(&b, "Issuing a pass for %s failed: %v.", who, e.Err)
		switch {
		case e.Unusable && e.Revoked:
			fmt.Fprintf(&b, " Graph created pass %s as DisabledByPolicy; it has been revoked, and no method was removed. Add the user (or a group they belong to) to the policy's include_targets and apply again.", e.PassID)
		case e.Unusable:
			fmt.Fprintf(&b, " Graph created pass %s as DisabledByPolicy, and revoking it failed (%v): delete it. No method was removed.", e.PassID, e.RevokeErr)
		case e.Revoked:
			fmt.Fprintf(&b, " Graph had created pass %s without its answer reaching the provider; it has been revoked, so nobody holds a pass they did not receive. Apply again.", e.PassID)
		case e.PassID != "":
			fmt.Fprintf(&b, " Graph created pass %s without its answer reaching the provider, and revoking it failed (%v): delete it (entra_user_authentication_methods lists it).", e.PassID, e.RevokeErr)
		case e.Unsure:
			fmt.Fprintf(&b, " Graph may have created a pass nobody received, and %v: check the user's methods (entra_user_authentication_methods) and delete such a pass.", e.RevokeErr)
		default:
			b.WriteString(" No pass was created, and no method was removed.")
		}
	case StepDeliver:
		fmt.Fprintf(&b, "Delivering pass %s for %s failed (%s): %v.", e.PassID, who, e.Channel, e.Err)
		for _, r := range e.Delivered {
			fmt.Fprintf(&b, " It had already gone out by %s (%s).", r.Channel, r.Destination)
		}
		if e.Revoked {
			b.WriteString(" The pass has been revoked, so no live pass is held by nobody, and no method was removed. Fix the delivery and apply again.")
		} else {
			fmt.Fprintf(&b, " Revoking the pass failed too (%v): delete pass %s of %s by hand. No method was removed.", e.RevokeErr, e.PassID, who)
		}
	case StepRemove:
		fmt.Fprintf(&b, "Pass %s was issued and delivered to %s, but removing the user's methods failed: %v.", e.PassID, who, e.Err)
		b.WriteString(" Removed: " + DescribeMethods(e.Removed) + ". Not removed: " + DescribeMethods(e.NotRemoved) + ".")
		b.WriteString(" The user can sign in with the pass, but is prompted for the methods not removed: remove them (entra_user_authentication_methods_remove) or apply again.")
	}
	return b.String()
}

// DescribeMethods lists methods for people, "none" for none.
func DescribeMethods(ms []graph.AuthenticationMethod) string {
	if len(ms) == 0 {
		return "none"
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = DescribeMethod(m)
	}
	return strings.Join(parts, ", ")
}
