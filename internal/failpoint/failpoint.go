package failpoint

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// The points production code calls Hit with (see the package doc).
const (
	GrantClaimed   = "grant-claimed"
	GrantCommitted = "grant-committed"
	ReuseRevoking  = "reuse-revoking"
	ReuseRevoked   = "reuse-revoked"
)

// EnvVar is the environment variable cmd/signet reads the armed points from.
const EnvVar = "SIGNET_FAILPOINTS"

// ActionKill names Kill in a SIGNET_FAILPOINTS value.
const ActionKill = "kill"

// Names lists every point, in the order a request meets them.
func Names() []string { return []string{GrantClaimed, GrantCommitted, ReuseRevoking, ReuseRevoked} }

// An Action is what an armed point does when a request reaches it; it is
// told the point's name.
type Action func(point string)

// Points is a set of armed points, fixed once parsed. The nil *Points arms
// none.
type Points struct {
	armed map[string]Action
}

// Hit runs the action armed at point, if there is one. On a nil *Points it
// only checks for nil.
func (p *Points) Hit(point string) {
	if p == nil {
		return
	}
	if a := p.armed[point]; a != nil {
		a(point)
	}
}

// Armed lists the armed points, sorted, for the warning cmd/signet logs at
// start.
func (p *Points) Armed() []string {
	if p == nil {
		return nil
	}
	out := make([]string, 0, len(p.armed))
	for name := range p.armed {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Parse reads a SIGNET_FAILPOINTS value: point=action pairs separated by
// commas, each action a key of actions. Unknown points or actions and a
// point named twice are errors, so that a typo never silently arms nothing.
// An empty spec arms nothing and returns nil.
func Parse(spec string, actions map[string]Action) (*Points, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	p := &Points{armed: map[string]Action{}}
	var errs []error
	for item := range strings.SplitSeq(spec, ",") {
		name, action, ok := strings.Cut(strings.TrimSpace(item), "=")
		name, action = strings.TrimSpace(name), strings.TrimSpace(action)
		a := actions[action]
		switch {
		case !ok || name == "" || action == "":
			errs = append(errs, fmt.Errorf("%q: want point=action", item))
		case !slices.Contains(Names(), name):
			errs = append(errs, fmt.Errorf("unknown point %q (points: %s)", name, strings.Join(Names(), ", ")))
		case a == nil:
			errs = append(errs, fmt.Errorf("point %q: unknown action %q", name, action))
		case p.armed[name] != nil:
			errs = append(errs, fmt.Errorf("point %q armed twice", name))
		default:
			p.armed[name] = a
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvVar, err)
	}
	return p, nil
}

// killWait bounds how long Kill waits for its own signal before it gives
// up and exits.
const killWait = 10 * time.Second

// Kill sends SIGKILL to the process itself (os.Process.Kill) and never
// returns: a real kill -9 at the caller's line, with no deferred function,
// graceful shutdown or rollback run by the process. Should the signal not
// arrive, the process exits with status 137 instead, which a test that
// expects death by SIGKILL reports.
func Kill() {
	if self, err := os.FindProcess(os.Getpid()); err == nil {
		_ = self.Kill()
	}
	time.Sleep(killWait)
	os.Exit(137)
}
