package storecore

import (
	"strings"
	"time"

	"github.com/signet-auth/signet"
)

// Column lists, in the order of the Args and Scan functions below. Both
// backends' schemas use these names (migrations/0001_init.sql).
var (
	UserColumns = []string{"id", "name", "display_name", "password_hash", "disabled",
		"credentials_changed_at", "assignments", "created_at", "updated_at"}
	ClientColumns = []string{"id", "name", "type", "secret_digest", "secret_expires_at", "grant_types",
		"redirect_uris", "scopes", "issuer_url", "dynamic", "created_at", "expires_at"}
	CodeColumns = []string{"digest", "client_id", "user_id", "protocol", "redirect_uri", "scopes",
		"code_challenge", "code_challenge_method", "nonce", "dpop_jkt", "account_id", "role_name",
		"auth_time", "created_at", "expires_at", "used_at", "session_id", "amr"}
	DeviceColumns = []string{"digest", "user_code_digest", "client_id", "protocol", "scopes", "status",
		"user_id", "auth_time", "interval_ms", "last_polled_at", "created_at", "expires_at", "session_id"}
	SessionColumns = []string{"id", "client_id", "user_id", "protocol", "scopes", "account_id", "role_name",
		"dpop_jkt", "nonce", "auth_time", "created_at", "expires_at", "revoked_at", "revoke_reason", "generation", "amr"}
	GenerationColumns = []string{"session_id", "generation", "refresh_digest", "access_digest", "issued_at",
		"access_expires_at", "refresh_expires_at", "rotated_at"}
	KeyColumns = []string{"id", "purpose", "algorithm", "sealed", "created_at", "active_at", "retired_at"}
)

// Select lists of every column, for SELECT and RETURNING.
var (
	UserCols       = Cols("", UserColumns)
	ClientCols     = Cols("", ClientColumns)
	CodeCols       = Cols("", CodeColumns)
	DeviceCols     = Cols("", DeviceColumns)
	SessionCols    = Cols("", SessionColumns)
	GenerationCols = Cols("", GenerationColumns)
	KeyCols        = Cols("", KeyColumns)
	// SessionGeneration selects a session with one of its generations.
	SessionGeneration = "SELECT " + Cols("s", SessionColumns) + ", " + Cols("g", GenerationColumns) +
		" FROM token_generations g JOIN sessions s ON s.id = g.session_id"
	// RotationSnapshot selects a generation, its session and the session's
	// user in one read (Rules.Snapshot). The user's columns are COALESCEd
	// so that no user reads as empty values (ScanRotationSnapshot: the zero
	// user); `1 = 0` is false in both backends' types for the flag. The
	// caller adds the WHERE clause on $1, the refresh token's digest.
	RotationSnapshot = "SELECT " + rotationSnapshotCols + rotationSnapshotFrom
	// RotationSnapshotBudget is RotationSnapshot with a failure budget's
	// window ($2, counted at $3) read beside it (signet.Rotation.Budget).
	RotationSnapshotBudget = "SELECT " + rotationSnapshotCols + ", COALESCE(w.count, 0), COALESCE(w.reset_at, 0)" +
		rotationSnapshotFrom + " LEFT JOIN rate_windows w ON w.key = $2 AND w.reset_at > $3"
	rotationSnapshotCols = Cols("s", SessionColumns) + ", " + Cols("g", GenerationColumns) +
		", COALESCE(u.id, ''), COALESCE(u.name, ''), COALESCE(u.display_name, ''), COALESCE(u.password_hash, '')" +
		", COALESCE(u.disabled, 1 = 0), COALESCE(u.credentials_changed_at, 0), COALESCE(u.assignments, '[]')" +
		", COALESCE(u.created_at, 0), COALESCE(u.updated_at, 0), " + ClientEpochRead
	rotationSnapshotFrom = " FROM token_generations g JOIN sessions s ON s.id = g.session_id LEFT JOIN users u ON u.id = s.user_id"
	// ClientEpochRead is the client epoch as a scalar subquery, read in the
	// same statement as the row beside it (signet.ClientEpoch).
	ClientEpochRead = "(SELECT n FROM client_epoch WHERE id = 1)"
	// ClientWithEpoch selects a client and the epoch it is read at
	// (ScanClientEpoch); the caller adds the WHERE clause.
	ClientWithEpoch = "SELECT " + ClientCols + ", " + ClientEpochRead + " FROM clients"
)

// Inserts are the INSERT statements of every column of each table, with a
// backend's placeholders; the values come from the *Args functions.
type Inserts struct {
	User, Client, Code, Device, Session, Generation, Key string
}

// NewInserts builds the inserts with placeholders(n), which returns the
// backend's placeholder list for n values.
func NewInserts(placeholders func(n int) string) Inserts {
	insert := func(table string, cols []string) string {
		return "INSERT INTO " + table + " (" + Cols("", cols) + ") VALUES (" + placeholders(len(cols)) + ")"
	}
	return Inserts{
		User:       insert("users", UserColumns),
		Client:     insert("clients", ClientColumns),
		Code:       insert("codes", CodeColumns),
		Device:     insert("device_authorizations", DeviceColumns),
		Session:    insert("sessions", SessionColumns),
		Generation: insert("token_generations", GenerationColumns),
		Key:        insert("server_keys", KeyColumns),
	}
}

// Cols joins a column list for a select list, each name qualified by alias
// when alias is not empty.
func Cols(alias string, cols []string) string {
	if alias == "" {
		return strings.Join(cols, ", ")
	}
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = alias + "." + c
	}
	return strings.Join(q, ", ")
}

// UserArgs returns u's column values in UserColumns order.
func UserArgs(u signet.User) []any {
	return []any{u.ID, u.Name, u.DisplayName, u.PasswordHash, u.Disabled,
		Millis(u.CredentialsChangedAt), assignmentsJSON(u.Assignments), Millis(u.CreatedAt), Millis(u.UpdatedAt)}
}

// ScanUser reads a row of UserColumns.
func ScanUser(r Scanner) (signet.User, error) {
	var (
		u                         signet.User
		changed, created, updated int64
		assignments               string
	)
	if err := r.Scan(&u.ID, &u.Name, &u.DisplayName, &u.PasswordHash, &u.Disabled,
		&changed, &assignments, &created, &updated); err != nil {
		return signet.User{}, err
	}
	var err error
	u.Assignments, err = assignmentsFromJSON(assignments)
	u.CredentialsChangedAt, u.CreatedAt, u.UpdatedAt = Time(changed), Time(created), Time(updated)
	return u, err
}

// ClientArgs returns c's column values in ClientColumns order.
func ClientArgs(c signet.Client) []any {
	return []any{c.ID, c.Name, string(c.Type), DigestBytes(c.SecretDigest), Millis(c.SecretExpiresAt),
		JSON(c.GrantTypes), JSON(c.RedirectURIs), JSON(c.Scopes), c.IssuerURL, c.Dynamic,
		Millis(c.CreatedAt), Millis(c.ExpiresAt)}
}

// ScanClient reads a row of ClientColumns.
func ScanClient(r Scanner) (signet.Client, error) {
	var (
		c                               signet.Client
		typ, grants, redirects, scopes  string
		secret                          []byte
		secretExpires, created, expires int64
	)
	if err := r.Scan(&c.ID, &c.Name, &typ, &secret, &secretExpires, &grants, &redirects, &scopes,
		&c.IssuerURL, &c.Dynamic, &created, &expires); err != nil {
		return signet.Client{}, err
	}
	var d decoder
	c.Type = signet.ClientType(typ)
	c.SecretDigest = d.digest(secret)
	c.GrantTypes, c.RedirectURIs, c.Scopes = d.list(grants), d.list(redirects), d.list(scopes)
	c.SecretExpiresAt, c.CreatedAt, c.ExpiresAt = Time(secretExpires), Time(created), Time(expires)
	return c, d.err
}

// ScanClientEpoch reads a row of ClientWithEpoch.
func ScanClientEpoch(r Scanner) (signet.Client, signet.ClientEpoch, error) {
	var e signet.ClientEpoch
	c, err := ScanClient(withExtra{r, &e})
	if err != nil {
		return signet.Client{}, 0, err
	}
	return c, e, nil
}

// withExtra scans one more column after those its caller asks for.
type withExtra struct {
	r     Scanner
	extra any
}

func (w withExtra) Scan(dest ...any) error { return w.r.Scan(append(dest, w.extra)...) }

// CodeArgs returns c's column values in CodeColumns order.
func CodeArgs(c signet.AuthorizationCode) []any {
	return []any{c.Digest[:], c.ClientID, c.UserID, string(c.Protocol), c.RedirectURI, JSON(c.Scopes),
		c.CodeChallenge, c.CodeChallengeMethod, c.Nonce, c.DPoPJKT, c.Assignment.AccountID,
		c.Assignment.RoleName, Millis(c.AuthTime), Millis(c.CreatedAt), Millis(c.ExpiresAt),
		Millis(c.UsedAt), c.SessionID, JSON(c.AMR)}
}

// ScanCode reads a row of CodeColumns.
func ScanCode(r Scanner) (signet.AuthorizationCode, error) {
	var (
		c                                  signet.AuthorizationCode
		digest                             []byte
		protocol, scopes, amr              string
		authTime, created, expires, usedAt int64
	)
	if err := r.Scan(&digest, &c.ClientID, &c.UserID, &protocol, &c.RedirectURI, &scopes,
		&c.CodeChallenge, &c.CodeChallengeMethod, &c.Nonce, &c.DPoPJKT, &c.Assignment.AccountID,
		&c.Assignment.RoleName, &authTime, &created, &expires, &usedAt, &c.SessionID, &amr); err != nil {
		return signet.AuthorizationCode{}, err
	}
	var d decoder
	c.Digest = d.digest(digest)
	c.Protocol = signet.Protocol(protocol)
	c.Scopes, c.AMR = d.list(scopes), d.list(amr)
	c.AuthTime, c.CreatedAt, c.ExpiresAt, c.UsedAt = Time(authTime), Time(created), Time(expires), Time(usedAt)
	return c, d.err
}

// DeviceArgs returns a's column values in DeviceColumns order.
func DeviceArgs(a signet.DeviceAuthorization) []any {
	return []any{a.Digest[:], a.UserCodeDigest[:], a.ClientID, string(a.Protocol), JSON(a.Scopes),
		string(a.Status), a.UserID, Millis(a.AuthTime), a.Interval.Milliseconds(), Millis(a.LastPolledAt),
		Millis(a.CreatedAt), Millis(a.ExpiresAt), a.SessionID}
}

// ScanDevice reads a row of DeviceColumns.
func ScanDevice(r Scanner) (signet.DeviceAuthorization, error) {
	var (
		a                                            signet.DeviceAuthorization
		digest, userCode                             []byte
		protocol, scopes, status                     string
		authTime, interval, polled, created, expires int64
	)
	if err := r.Scan(&digest, &userCode, &a.ClientID, &protocol, &scopes, &status, &a.UserID,
		&authTime, &interval, &polled, &created, &expires, &a.SessionID); err != nil {
		return signet.DeviceAuthorization{}, err
	}
	var d decoder
	a.Digest, a.UserCodeDigest = d.digest(digest), d.digest(userCode)
	a.Protocol, a.Status, a.Scopes = signet.Protocol(protocol), signet.DeviceStatus(status), d.list(scopes)
	a.Interval = time.Duration(interval) * time.Millisecond
	a.AuthTime, a.LastPolledAt, a.CreatedAt, a.ExpiresAt = Time(authTime), Time(polled), Time(created), Time(expires)
	return a, d.err
}

// SessionArgs returns s's column values in SessionColumns order.
func SessionArgs(s signet.Session) []any {
	return []any{s.ID, s.ClientID, s.UserID, string(s.Protocol), JSON(s.Scopes), s.Assignment.AccountID,
		s.Assignment.RoleName, s.DPoPJKT, s.Nonce, Millis(s.AuthTime), Millis(s.CreatedAt),
		Millis(s.ExpiresAt), Millis(s.RevokedAt), s.RevokeReason, s.Generation, JSON(s.AMR)}
}

type sessionRow struct {
	s                                   signet.Session
	protocol, scopes, amr               string
	authTime, created, expires, revoked int64
}

func (r *sessionRow) dest() []any { return r.appendDest(make([]any, 0, len(SessionColumns))) }

// appendDest appends the scan destinations of SessionColumns to dst.
func (r *sessionRow) appendDest(dst []any) []any {
	s := &r.s
	return append(dst, &s.ID, &s.ClientID, &s.UserID, &r.protocol, &r.scopes, &s.Assignment.AccountID,
		&s.Assignment.RoleName, &s.DPoPJKT, &s.Nonce, &r.authTime, &r.created, &r.expires, &r.revoked,
		&s.RevokeReason, &s.Generation, &r.amr)
}

func (r *sessionRow) value() (signet.Session, error) {
	var d decoder
	s := r.s
	s.Protocol, s.Scopes, s.AMR = signet.Protocol(r.protocol), d.list(r.scopes), d.list(r.amr)
	s.AuthTime, s.CreatedAt, s.ExpiresAt, s.RevokedAt = Time(r.authTime), Time(r.created), Time(r.expires), Time(r.revoked)
	return s, d.err
}

// ScanSession reads a row of SessionColumns.
func ScanSession(r Scanner) (signet.Session, error) {
	var row sessionRow
	if err := r.Scan(row.dest()...); err != nil {
		return signet.Session{}, err
	}
	return row.value()
}

// GenerationArgs returns g's column values in GenerationColumns order.
func GenerationArgs(g signet.TokenGeneration) []any {
	return []any{g.SessionID, g.Generation, DigestBytes(g.RefreshDigest), DigestBytes(g.AccessDigest),
		Millis(g.IssuedAt), Millis(g.AccessExpiresAt), Millis(g.RefreshExpiresAt), Millis(g.RotatedAt)}
}

type generationRow struct {
	g                                          signet.TokenGeneration
	refresh, access                            []byte
	issued, accessExpires, refreshExp, rotated int64
}

func (r *generationRow) dest() []any { return r.appendDest(make([]any, 0, len(GenerationColumns))) }

// appendDest appends the scan destinations of GenerationColumns to dst.
func (r *generationRow) appendDest(dst []any) []any {
	return append(dst, &r.g.SessionID, &r.g.Generation, &r.refresh, &r.access, &r.issued, &r.accessExpires,
		&r.refreshExp, &r.rotated)
}

func (r *generationRow) value() (signet.TokenGeneration, error) {
	var d decoder
	g := r.g
	g.RefreshDigest, g.AccessDigest = d.digest(r.refresh), d.digest(r.access)
	g.IssuedAt, g.AccessExpiresAt, g.RefreshExpiresAt, g.RotatedAt = Time(r.issued), Time(r.accessExpires), Time(r.refreshExp), Time(r.rotated)
	return g, d.err
}

// ScanGeneration reads a row of GenerationColumns.
func ScanGeneration(r Scanner) (signet.TokenGeneration, error) {
	var row generationRow
	if err := r.Scan(row.dest()...); err != nil {
		return signet.TokenGeneration{}, err
	}
	return row.value()
}

// ScanSessionGeneration reads a row of SessionColumns followed by
// GenerationColumns (a join).
func ScanSessionGeneration(r Scanner) (signet.Session, signet.TokenGeneration, error) {
	var s sessionRow
	var g generationRow
	if err := r.Scan(g.appendDest(s.dest())...); err != nil {
		return signet.Session{}, signet.TokenGeneration{}, err
	}
	sess, err := s.value()
	if err != nil {
		return signet.Session{}, signet.TokenGeneration{}, err
	}
	gen, err := g.value()
	return sess, gen, err
}

// RotationRead is what Rules.Snapshot reads for a rotation, in one
// statement: the generation, its session, the session's user (zero if it
// has none or it is gone) and the client epoch.
type RotationRead struct {
	Session     signet.Session
	Tokens      signet.TokenGeneration
	User        signet.User
	ClientEpoch signet.ClientEpoch
	// Budget is the failure budget's window, read with the rest when the
	// rotation carried one (ScanRotationSnapshotBudget).
	Budget struct {
		Count int64
		Reset time.Time
	}
}

// ScanRotationSnapshot reads a row of RotationSnapshot.
func ScanRotationSnapshot(r Scanner) (RotationRead, error) { return scanRotationSnapshot(r, false) }

// ScanRotationSnapshotBudget reads a row of RotationSnapshotBudget.
func ScanRotationSnapshotBudget(r Scanner) (RotationRead, error) {
	return scanRotationSnapshot(r, true)
}

func scanRotationSnapshot(r Scanner, budget bool) (RotationRead, error) {
	// One allocation for every destination: the row is read once a
	// refresh, and each variable whose address Scan takes would otherwise
	// be an allocation of its own.
	var row struct {
		s                         sessionRow
		g                         generationRow
		u                         signet.User
		changed, created, updated int64
		assignments               string
		out                       RotationRead
		reset                     int64
		// Room for the 36 columns; append would only reallocate if the
		// column lists outgrew it.
		dest [40]any
	}
	dest := row.s.appendDest(row.dest[:0])
	dest = row.g.appendDest(dest)
	u := &row.u
	dest = append(dest, &u.ID, &u.Name, &u.DisplayName, &u.PasswordHash, &u.Disabled, &row.changed, &row.assignments,
		&row.created, &row.updated, &row.out.ClientEpoch)
	if budget {
		dest = append(dest, &row.out.Budget.Count, &row.reset)
	}
	if err := r.Scan(dest...); err != nil {
		return RotationRead{}, err
	}
	out := row.out
	if row.reset != 0 {
		out.Budget.Reset = Time(row.reset)
	}
	var err error
	if out.Session, err = row.s.value(); err != nil {
		return RotationRead{}, err
	}
	if out.Tokens, err = row.g.value(); err != nil || u.ID == "" {
		return out, err
	}
	u.Assignments, err = assignmentsFromJSON(row.assignments)
	u.CredentialsChangedAt, u.CreatedAt, u.UpdatedAt = Time(row.changed), Time(row.created), Time(row.updated)
	out.User = *u
	return out, err
}

// KeyArgs returns k's column values in KeyColumns order.
func KeyArgs(k signet.Key) []any {
	return []any{k.ID, string(k.Purpose), k.Algorithm, k.Sealed, Millis(k.CreatedAt), Millis(k.ActiveAt),
		Millis(k.RetiredAt)}
}

// ScanKey reads a row of KeyColumns.
func ScanKey(r Scanner) (signet.Key, error) {
	var (
		k                        signet.Key
		purpose                  string
		created, active, retired int64
	)
	if err := r.Scan(&k.ID, &purpose, &k.Algorithm, &k.Sealed, &created, &active, &retired); err != nil {
		return signet.Key{}, err
	}
	k.Purpose = signet.KeyPurpose(purpose)
	k.CreatedAt, k.ActiveAt, k.RetiredAt = Time(created), Time(active), Time(retired)
	return k, nil
}
