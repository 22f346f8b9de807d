// Package audit records security events (catalogue AU-01): a Recorder
// stamps each signet.AuditRecord with the time and the request it belongs
// to (id, client address, user agent, actor), refuses one that carries a
// secret (SE-06), appends it to the store and writes it to the structured
// log as one JSON line (event=audit) for shipping to a SIEM.
//
// The engine, the surfaces and the admin command each declare the one
// method they use (Record) and call it once per event; adding an event is
// a constant in the root package and one call where it happens. Record
// returns the store's error, so a caller that must fail closed (issuing
// credentials, AU-02) withholds its answer when the record could not be
// written. A grant's record goes into the grant's own transaction instead:
// Prepare completes it before the store call (signet.GrantAudit), Logged
// logs it after the commit.
package audit
