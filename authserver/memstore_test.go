package authserver

// A throwaway in-memory store used only until package sqlite lands on main.

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/signet-auth/signet"
)

type memStore struct {
	mu       sync.Mutex
	users    map[string]signet.User
	clients  map[string]signet.Client
	codes    map[signet.Digest]signet.AuthorizationCode
	devices  map[signet.Digest]signet.DeviceAuthorization
	sessions map[string]signet.Session
	gens     []signet.TokenGeneration
}

func newMemStore() *memStore {
	return &memStore{users: map[string]signet.User{}, clients: map[string]signet.Client{},
		codes: map[signet.Digest]signet.AuthorizationCode{}, devices: map[signet.Digest]signet.DeviceAuthorization{},
		sessions: map[string]signet.Session{}}
}

func (m *memStore) CreateUser(_ context.Context, u signet.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.users {
		if x.Name == u.Name || x.ID == u.ID {
			return signet.ErrConflict
		}
	}
	m.users[u.ID] = u
	return nil
}
func (m *memStore) GetUser(_ context.Context, id string) (signet.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok {
		return u, signet.ErrNotFound
	}
	return u, nil
}
func (m *memStore) GetUserByName(_ context.Context, name string) (signet.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range m.users {
		if u.Name == name {
			return u, nil
		}
	}
	return signet.User{}, signet.ErrNotFound
}
func (m *memStore) ListUsers(context.Context) ([]signet.User, error) { return nil, nil }
func (m *memStore) UpdateUser(_ context.Context, u signet.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[u.ID]; !ok {
		return signet.ErrNotFound
	}
	m.users[u.ID] = u
	return nil
}
func (m *memStore) CreateClient(_ context.Context, c signet.Client) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.clients[c.ID]; ok {
		return signet.ErrConflict
	}
	m.clients[c.ID] = c
	return nil
}
func (m *memStore) GetClient(_ context.Context, id string) (signet.Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.clients[id]
	if !ok {
		return c, signet.ErrNotFound
	}
	return c, nil
}
func (m *memStore) ListClients(context.Context) ([]signet.Client, error) { return nil, nil }
func (m *memStore) DeleteClient(context.Context, string, time.Time) error {
	return nil
}
func (m *memStore) CreateCode(_ context.Context, c signet.AuthorizationCode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.codes[c.Digest] = c
	return nil
}
func (m *memStore) revoke(id string, now time.Time, reason string) {
	s, ok := m.sessions[id]
	if ok && s.RevokedAt.IsZero() {
		s.RevokedAt, s.RevokeReason = now, reason
		m.sessions[id] = s
	}
}
func (m *memStore) addSession(s signet.Session, g signet.TokenGeneration) (signet.Session, signet.TokenGeneration) {
	s.Generation = 0
	g.SessionID, g.Generation = s.ID, 0
	m.sessions[s.ID] = s
	m.gens = append(m.gens, g)
	return s, g
}
func (m *memStore) RedeemCode(_ context.Context, r signet.CodeRedemption) (signet.AuthorizationCode, signet.Session, signet.TokenGeneration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.codes[r.Digest]
	if !ok {
		return c, signet.Session{}, signet.TokenGeneration{}, signet.ErrNotFound
	}
	if !c.UsedAt.IsZero() {
		m.revoke(c.SessionID, r.Now, "code reuse")
		return c, signet.Session{}, signet.TokenGeneration{}, signet.ErrAlreadyUsed
	}
	c.UsedAt = r.Now
	m.codes[r.Digest] = c
	if err := r.Check(c); err != nil {
		return c, signet.Session{}, signet.TokenGeneration{}, err
	}
	s, g := m.addSession(r.Grant(c))
	c.SessionID = s.ID
	m.codes[r.Digest] = c
	return c, s, g, nil
}
func (m *memStore) CreateDevice(_ context.Context, d signet.DeviceAuthorization) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.devices {
		if x.UserCodeDigest == d.UserCodeDigest && d.CreatedAt.Before(x.ExpiresAt) {
			return signet.ErrConflict
		}
	}
	m.devices[d.Digest] = d
	return nil
}
func (m *memStore) GetDeviceByUserCode(_ context.Context, uc signet.Digest) (signet.DeviceAuthorization, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range m.devices {
		if d.UserCodeDigest == uc {
			return d, nil
		}
	}
	return signet.DeviceAuthorization{}, signet.ErrNotFound
}
func (m *memStore) DecideDevice(_ context.Context, uc signet.Digest, st signet.DeviceStatus, userID string, authTime, now time.Time) (signet.DeviceAuthorization, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, d := range m.devices {
		if d.UserCodeDigest != uc {
			continue
		}
		if !now.Before(d.ExpiresAt) {
			return d, signet.ErrNotFound
		}
		if d.Status != signet.DevicePending {
			return d, signet.ErrAlreadyUsed
		}
		d.Status, d.UserID, d.AuthTime = st, userID, authTime
		m.devices[k] = d
		return d, nil
	}
	return signet.DeviceAuthorization{}, signet.ErrNotFound
}
func (m *memStore) PollDevice(_ context.Context, p signet.DevicePoll) (signet.DevicePollResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.devices[p.Digest]
	if !ok {
		return signet.DevicePollResult{}, signet.ErrNotFound
	}
	if d.Status == signet.DeviceRedeemed {
		return signet.DevicePollResult{Device: d}, signet.ErrAlreadyUsed
	}
	if !p.Now.Before(d.ExpiresAt) {
		return signet.DevicePollResult{Device: d}, nil
	}
	if err := p.Check(d); err != nil {
		return signet.DevicePollResult{}, err
	}
	res := signet.DevicePollResult{}
	if !d.LastPolledAt.IsZero() && p.Now.Before(d.LastPolledAt.Add(d.Interval)) {
		d.Interval += p.SlowDownStep
		res.SlowDown = true
	} else if d.Status == signet.DeviceApproved {
		res.Session, res.Tokens = m.addSession(p.Grant(d))
		d.Status, d.SessionID = signet.DeviceRedeemed, res.Session.ID
	}
	d.LastPolledAt = p.Now
	m.devices[p.Digest] = d
	res.Device = d
	return res, nil
}
func (m *memStore) Rotate(_ context.Context, r signet.Rotation) (signet.RotationResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.gens, func(g signet.TokenGeneration) bool { return g.RefreshDigest == r.Digest })
	if i < 0 {
		return signet.RotationResult{}, signet.ErrNotFound
	}
	g := m.gens[i]
	s := m.sessions[g.SessionID]
	if !s.Live(r.Now) || !r.Now.Before(g.RefreshExpiresAt) {
		return signet.RotationResult{}, signet.ErrNotFound
	}
	u := m.users[s.UserID]
	if err := r.Check(s, u, g); err != nil {
		return signet.RotationResult{}, err
	}
	if g.RotatedAt.IsZero() {
		n := r.Next(s, g)
		n.SessionID, n.Generation = s.ID, g.Generation+1
		m.gens[i].RotatedAt = r.Now
		m.gens = append(m.gens, n)
		s.Generation = n.Generation
		m.sessions[s.ID] = s
		return signet.RotationResult{Session: s, Tokens: n}, nil
	}
	if g.Generation == s.Generation-1 && r.Now.Before(g.RotatedAt.Add(r.Grace)) {
		j := slices.IndexFunc(m.gens, func(x signet.TokenGeneration) bool { return x.SessionID == s.ID && x.Generation == s.Generation })
		return signet.RotationResult{Session: s, Tokens: m.gens[j], Retry: true}, nil
	}
	m.revoke(s.ID, r.Now, "reuse")
	return signet.RotationResult{}, signet.ErrTokenReused
}
func (m *memStore) lookup(match func(signet.TokenGeneration) bool) (signet.Session, signet.TokenGeneration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.gens, match)
	if i < 0 {
		return signet.Session{}, signet.TokenGeneration{}, signet.ErrNotFound
	}
	return m.sessions[m.gens[i].SessionID], m.gens[i], nil
}
func (m *memStore) LookupAccess(_ context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, error) {
	return m.lookup(func(g signet.TokenGeneration) bool { return g.AccessDigest == d })
}
func (m *memStore) LookupRefresh(_ context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, error) {
	return m.lookup(func(g signet.TokenGeneration) bool { return g.RefreshDigest == d })
}
func (m *memStore) GetSession(_ context.Context, id string) (signet.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return s, signet.ErrNotFound
	}
	return s, nil
}
func (m *memStore) ListSessions(_ context.Context, f signet.SessionFilter) ([]signet.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []signet.Session
	for _, s := range m.sessions {
		if (f.UserID == "" || s.UserID == f.UserID) && (f.ClientID == "" || s.ClientID == f.ClientID) && (!f.LiveOnly || s.Live(f.Now)) {
			out = append(out, s)
		}
	}
	return out, nil
}
func (m *memStore) RevokeSession(_ context.Context, id string, now time.Time, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[id]; !ok {
		return signet.ErrNotFound
	}
	m.revoke(id, now, reason)
	return nil
}
func (m *memStore) RevokeUserSessions(context.Context, string, time.Time, string) (int, error) {
	return 0, nil
}
