package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/user"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/app"
)

// adminActor is who the audit trail records for an admin command: --actor,
// else "cli:" and the OS user.
func (a *cli) adminActor(flag string) string {
	if flag != "" {
		return flag
	}
	name := a.getenv("USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		name = "unknown"
	}
	return "cli:" + name
}

// adminRecord records a change the admin command made directly in the
// store (the engine records its own).
func adminRecord(ctx context.Context, svc *app.Core, ev signet.AuditEvent, clientID, detail string) error {
	if err := svc.Audit.Record(ctx, signet.AuditRecord{Event: ev, ClientID: clientID, Surface: "cli", Detail: detail}); err != nil {
		return fmt.Errorf("the change is made but its audit record is not: %w", err)
	}
	return nil
}

// auditFlags are the filters every audit subcommand takes.
type auditFlags struct {
	since, until, user string
	events             []string
	json               bool
}

func (f *auditFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.since, "since", "", "only records at or after this time (RFC 3339, or a duration ago such as 24h)")
	fl.StringVar(&f.until, "until", "", "only records before this time (RFC 3339, or a duration ago)")
	fl.StringVar(&f.user, "user", "", "only records about this user (name)")
	fl.StringSliceVar(&f.events, "event", nil, "only these events (repeatable): "+eventNames())
	fl.BoolVar(&f.json, "json", false, "one JSON object per line")
}

func eventNames() string {
	var names []string
	for _, e := range signet.AuditEvents() {
		names = append(names, string(e))
	}
	return strings.Join(names, ", ")
}

// filter resolves the flags against the store and the clock.
func (f *auditFlags) filter(ctx context.Context, svc *app.Core, now time.Time) (signet.AuditFilter, error) {
	var af signet.AuditFilter
	var err error
	if af.Since, err = parseWhen(f.since, now); err != nil {
		return af, fmt.Errorf("--since: %w", err)
	}
	if af.Until, err = parseWhen(f.until, now); err != nil {
		return af, fmt.Errorf("--until: %w", err)
	}
	for _, e := range f.events {
		if !slices.Contains(signet.AuditEvents(), signet.AuditEvent(e)) {
			return af, fmt.Errorf("--event %q: not an audit event (events: %s)", e, eventNames())
		}
		af.Events = append(af.Events, signet.AuditEvent(e))
	}
	if f.user != "" {
		u, err := svc.Stores.Users.GetUserByName(ctx, f.user)
		if err != nil {
			return af, userNotFound(f.user, err)
		}
		af.UserID = u.ID
	}
	return af, nil
}

// parseWhen reads an RFC 3339 time or a duration before now; "" is zero.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, errors.New("want an RFC 3339 time or a positive duration such as 24h")
	}
	return now.Add(-d), nil
}

// auditPrinter writes records as they stream: JSON lines, or a table
// whose columns are flushed every page.
type auditPrinter struct {
	json bool
	enc  *json.Encoder
	tw   *tabwriter.Writer
	n    int
}

func newAuditPrinter(w io.Writer, asJSON bool) *auditPrinter {
	p := &auditPrinter{json: asJSON, enc: json.NewEncoder(w)}
	if !asJSON {
		p.tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(p.tw, "ID\tTIME\tEVENT\tOUTCOME\tACTOR\tUSER\tCLIENT\tACCOUNT\tROLE\tSURFACE\tADDRESS\tDETAIL")
	}
	return p
}

// auditJSON is a record's export shape.
type auditJSON struct {
	ID        int64     `json:"id"`
	Time      time.Time `json:"time"`
	Event     string    `json:"event"`
	Outcome   string    `json:"outcome"`
	Actor     string    `json:"actor,omitempty"`
	UserID    string    `json:"user_id,omitempty"`
	ClientID  string    `json:"client_id,omitempty"`
	AccountID string    `json:"account_id,omitempty"`
	RoleName  string    `json:"role_name,omitempty"`
	Surface   string    `json:"surface,omitempty"`
	Address   string    `json:"address,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

func (p *auditPrinter) print(r signet.AuditRecord) error {
	p.n++
	if p.json {
		return p.enc.Encode(auditJSON{r.ID, r.Time.UTC(), string(r.Event), string(r.Outcome), r.Actor, r.UserID,
			r.ClientID, r.AccountID, r.RoleName, r.Surface, r.Address, r.UserAgent, r.RequestID, r.Detail})
	}
	fmt.Fprintf(p.tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, fmtTime(r.Time), r.Event, r.Outcome,
		orDash(r.Actor), orDash(r.UserID), orDash(r.ClientID), orDash(r.AccountID), orDash(r.RoleName),
		orDash(r.Surface), orDash(r.Address), printableUA(orDash(r.Detail)))
	if p.n%500 == 0 {
		return p.tw.Flush()
	}
	return nil
}

func (p *auditPrinter) flush() error {
	if p.tw != nil {
		return p.tw.Flush()
	}
	return nil
}

func (a *cli) adminAuditCmd(with withServices) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Read the audit trail: list, tail or export security events"}

	var lf auditFlags
	var limit int
	list := &cobra.Command{
		Use:   "list [--since T] [--until T] [--user NAME] [--event E] [--limit N] [--json]",
		Short: "List audit records, oldest first",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			af, err := lf.filter(ctx, svc, a.clock.Now())
			if err != nil {
				return err
			}
			af.Limit = limit
			p := newAuditPrinter(a.stdout, lf.json)
			if err := svc.Stores.Audit.ScanAudit(ctx, af, p.print); err != nil {
				return err
			}
			return p.flush()
		}),
	}
	lf.add(list)
	list.Flags().IntVar(&limit, "limit", 100, "at most this many records (0: all)")

	var ef auditFlags
	export := &cobra.Command{
		Use:   "export [--since T] [--until T] [--user NAME] [--event E]",
		Short: "Write every selected record as a JSON line, streaming (for a SIEM or an archive)",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			af, err := ef.filter(ctx, svc, a.clock.Now())
			if err != nil {
				return err
			}
			p := newAuditPrinter(a.stdout, true)
			return svc.Stores.Audit.ScanAudit(ctx, af, p.print)
		}),
	}
	ef.add(export)

	var tf auditFlags
	var lines int
	var follow bool
	var poll time.Duration
	tail := &cobra.Command{
		Use:   "tail [-n N] [--follow] [--user NAME] [--event E] [--json]",
		Short: "Show the last records, then follow new ones until interrupted",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			af, err := tf.filter(ctx, svc, a.clock.Now())
			if err != nil {
				return err
			}
			if poll <= 0 {
				return errors.New("--poll must be positive")
			}
			return a.auditTail(ctx, svc.Stores.Audit, af, lines, follow, poll, newAuditPrinter(a.stdout, tf.json))
		}),
	}
	tf.add(tail)
	tail.Flags().IntVarP(&lines, "lines", "n", 10, "how many of the last records to show first")
	tail.Flags().BoolVarP(&follow, "follow", "f", true, "keep printing new records as they are written")
	tail.Flags().DurationVar(&poll, "poll", 2*time.Second, "how often to look for new records while following")

	cmd.AddCommand(list, tail, export)
	return cmd
}

// auditTail prints the last n records f selects (kept in a ring of n, so
// memory stays bounded), then, with follow, the records written after
// them, every poll, until ctx ends.
func (a *cli) auditTail(ctx context.Context, st signet.AuditStore, f signet.AuditFilter, n int, follow bool, poll time.Duration, p *auditPrinter) error {
	ring := make([]signet.AuditRecord, 0, max(n, 0))
	err := st.ScanAudit(ctx, f, func(r signet.AuditRecord) error {
		f.After = r.ID
		if n <= 0 {
			return nil
		}
		if len(ring) == n {
			ring = append(ring[:0], ring[1:]...)
		}
		ring = append(ring, r)
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range ring {
		if err := p.print(r); err != nil {
			return err
		}
	}
	if err := p.flush(); err != nil || !follow {
		return err
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		err := st.ScanAudit(ctx, f, func(r signet.AuditRecord) error {
			f.After = r.ID
			return p.print(r)
		})
		if err == nil {
			err = p.flush()
		}
		if err != nil && ctx.Err() == nil {
			return err
		}
	}
}
