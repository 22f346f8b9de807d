package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

// Origin is what a request says about itself, for the record: the
// surfaces fill it from the HTTP request (httpserver), the admin command
// with its actor.
type Origin struct {
	RequestID string
	Address   string
	UserAgent string
	// Actor is who acts when the record does not say: the signed-in
	// administrator of the console, "cli:<os user>" for the admin command.
	Actor string
}

type originKey struct{}

// WithOrigin returns ctx carrying o; a later WithOrigin adds to it (a
// non-empty field replaces the one before).
func WithOrigin(ctx context.Context, o Origin) context.Context {
	was := OriginFrom(ctx)
	for _, f := range []struct {
		to *string
		v  string
	}{{&was.RequestID, o.RequestID}, {&was.Address, o.Address},
		{&was.UserAgent, o.UserAgent}, {&was.Actor, o.Actor}} {
		if f.v != "" {
			*f.to = f.v
		}
	}
	return context.WithValue(ctx, originKey{}, was)
}

// OriginFrom returns the Origin ctx carries, zero if none.
func OriginFrom(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}

// MaxField bounds every text field of a record (user agents run long).
const MaxField = 256

// ErrSecret is returned for a record a field of which holds something
// shaped like a secret signet issues (or a JWT): it is never written.
var ErrSecret = errors.New("audit: a record field holds a secret")

// Recorder writes records. The zero value is not usable; New makes one.
type Recorder struct {
	store   signet.AuditStore
	clock   signet.Clock
	log     *slog.Logger
	request func(context.Context) Origin
}

// New returns a Recorder writing to store and log (nil: no log line).
// request, when not nil, reads the Origin of the HTTP request a context
// belongs to (the server's middleware keeps it); what WithOrigin put in
// the context wins over it.
func New(store signet.AuditStore, clock signet.Clock, log *slog.Logger, request func(context.Context) Origin) *Recorder {
	return &Recorder{store: store, clock: clock, log: log, request: request}
}

// Record completes r from ctx's Origin (fields r leaves empty) and the
// clock, checks it holds no secret, appends it to the store and logs it.
// An error means the record is not in the store: the caller decides
// whether that withholds its answer (AU-02).
func (rec *Recorder) Record(ctx context.Context, r signet.AuditRecord) error {
	r, err := rec.Prepare(ctx, r)
	if err != nil {
		return err
	}
	id, err := rec.store.AppendAudit(ctx, r)
	if err != nil {
		rec.logFailure(ctx, r.Event, err)
		return fmt.Errorf("audit: record %s: %w", r.Event, err)
	}
	r.ID = id
	rec.Logged(ctx, r)
	return nil
}

// Prepare completes r as Record does and checks it, without writing it:
// for a record the store appends in another write's transaction (a
// grant's, signet.GrantAudit). Call Logged once that committed.
func (rec *Recorder) Prepare(ctx context.Context, r signet.AuditRecord) (signet.AuditRecord, error) {
	fill := func(f *string, v string) {
		if *f == "" {
			*f = v
		}
	}
	origins := []Origin{OriginFrom(ctx)}
	if rec.request != nil {
		origins = append(origins, rec.request(ctx))
	}
	for _, o := range origins {
		fill(&r.RequestID, o.RequestID)
		fill(&r.Address, o.Address)
		fill(&r.UserAgent, o.UserAgent)
		fill(&r.Actor, o.Actor)
	}
	fill(&r.Actor, "system")
	if r.Outcome == "" {
		r.Outcome = signet.AuditSuccess
	}
	if r.Time.IsZero() {
		r.Time = rec.clock.Now()
	}
	r.Time = r.Time.UTC()
	for _, f := range fields(&r) {
		*f = clip(*f)
		if HoldsSecret(*f) {
			rec.logFailure(ctx, r.Event, ErrSecret)
			return r, fmt.Errorf("%w (%s)", ErrSecret, r.Event)
		}
	}
	return r, nil
}

// Logged writes r's log line (event=audit), once it is in the store.
func (rec *Recorder) Logged(ctx context.Context, r signet.AuditRecord) {
	if rec.log != nil {
		rec.log.LogAttrs(ctx, slog.LevelInfo, "audit", Attrs(r)...)
	}
}

func (rec *Recorder) logFailure(ctx context.Context, ev signet.AuditEvent, err error) {
	if rec.log != nil {
		rec.log.LogAttrs(ctx, slog.LevelError, "audit record not written", slog.String("audit_event", string(ev)),
			slog.String("error", err.Error()))
	}
}

// Attrs are r's log attributes: event=audit and one per field.
func Attrs(r signet.AuditRecord) []slog.Attr {
	return []slog.Attr{
		slog.String("event", "audit"), slog.Int64("audit_id", r.ID), slog.Time("at", r.Time),
		slog.String("audit_event", string(r.Event)), slog.String("outcome", string(r.Outcome)),
		slog.String("actor", r.Actor), slog.String("user_id", r.UserID), slog.String("client_id", r.ClientID),
		slog.String("account_id", r.AccountID), slog.String("role_name", r.RoleName),
		slog.String("surface", r.Surface), slog.String("address", r.Address), slog.String("user_agent", r.UserAgent),
		slog.String("audit_request_id", r.RequestID), slog.String("detail", r.Detail),
	}
}

func fields(r *signet.AuditRecord) []*string {
	return []*string{&r.Actor, &r.UserID, &r.ClientID, &r.AccountID, &r.RoleName, &r.Surface, &r.Address,
		&r.UserAgent, &r.RequestID, &r.Detail}
}

// clip cuts s to MaxField bytes on a rune boundary.
func clip(s string) string {
	if len(s) <= MaxField {
		return s
	}
	s = s[:MaxField]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// prefixes are those of every secret signet issues.
var prefixes = []string{secret.PrefixSSOAccess, secret.PrefixSSORefresh, secret.PrefixSignInAccess,
	secret.PrefixSignInRefresh, secret.PrefixOAuthAccess, secret.PrefixOAuthRefresh, secret.PrefixCode,
	secret.PrefixDeviceCode, secret.PrefixClientSecret, secret.PrefixBrowserSession}

// HoldsSecret reports whether s contains a word shaped like a secret signet
// issues, or a JWT (three base64url parts, the first starting "eyJ").
func HoldsSecret(s string) bool {
	words := strings.FieldsFunc(s, func(c rune) bool {
		return !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':')
	})
	for _, w := range words {
		if strings.HasPrefix(w, "eyJ") && strings.Count(w, ".") == 2 {
			return true
		}
		for _, part := range strings.FieldsFunc(w, func(c rune) bool { return c == ':' || c == '.' }) {
			for _, p := range prefixes {
				if secret.WellFormed(part, p) {
					return true
				}
			}
		}
	}
	return false
}
