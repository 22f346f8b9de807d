package storetest

import (
	"bytes"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

// SE-01: a dump of every table holds no secret the server issued, only
// their keyed digests. The store only ever receives digests; this proves
// that nothing else (a log table, a debug column) keeps what it is given.
func testDumpHoldsNoSecret(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	dumper, ok := f.s.Health.(Dumper)
	if !ok {
		t.Fatalf("the backend's Health (%T) does not implement storetest.Dumper", f.s.Health)
	}
	h, err := secret.NewHasher(bytes.Repeat([]byte{7}, 32))
	noErr(t, "NewHasher", err)
	// A seeded source: the same secrets on every run.
	rng := rand.NewChaCha8([32]byte{1})
	m := secret.NewMinter(rng, h)
	var secrets []string
	mint := func(prefix string) signet.Digest {
		s, d, err := m.New(prefix)
		noErr(t, "mint", err)
		secrets = append(secrets, s)
		return d
	}

	cl := newClient("client")
	cl.Type, cl.SecretDigest = signet.ClientConfidential, mint(secret.PrefixClientSecret)
	noErr(t, "CreateClient", f.s.Clients.CreateClient(ctx, cl))
	f.user("u", "user")

	c := newCode("x", cl.ID, "u")
	c.Digest = mint(secret.PrefixCode)
	noErr(t, "CreateCode", gs.CreateCode(ctx, c))
	at0, rt0 := mint(secret.PrefixSSOAccess), mint(secret.PrefixSSORefresh)
	r := redemption(c, "s1", t0)
	r.Grant = func(c signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) {
		g := firstGeneration("s1", t0)
		g.AccessDigest, g.RefreshDigest = at0, rt0
		return sessionFor("s1", c, t0), g
	}
	_, _, g, err := gs.RedeemCode(ctx, r)
	noErr(t, "RedeemCode", err)
	at1, rt1 := mint(secret.PrefixSSOAccess), mint(secret.PrefixSSORefresh)
	rot := rotation(g, t0.Add(time.Second), 0)
	rot.Next = func(s signet.Session, g signet.TokenGeneration) signet.TokenGeneration {
		n := next(t0.Add(time.Second))(s, g)
		n.AccessDigest, n.RefreshDigest = at1, rt1
		return n
	}
	_, err = gs.Rotate(ctx, rot)
	noErr(t, "Rotate", err)

	d := newDevice("d", cl.ID)
	d.Digest = mint(secret.PrefixDeviceCode)
	userCode, err := m.NewUserCode()
	noErr(t, "NewUserCode", err)
	secrets = append(secrets, userCode, secret.NormalizeUserCode(userCode))
	d.UserCodeDigest, _ = h.UserCodeDigest(userCode)
	noErr(t, "CreateDevice", gs.CreateDevice(ctx, d))
	_, err = gs.DecideDevice(ctx, d.UserCodeDigest, signet.DeviceApproved, "u", t0, t0)
	noErr(t, "DecideDevice", err)
	_, err = gs.PollDevice(ctx, poll(d.Digest, "s2", t0.Add(time.Second)))
	noErr(t, "PollDevice", err)

	jti := "jti-" + base64.RawURLEncoding.EncodeToString(randomBytes(t, rng))
	secrets = append(secrets, jti)
	_, err = f.s.Replay.MarkUsed(ctx, h.Digest(jti), t0.Add(time.Minute), t0)
	noErr(t, "MarkUsed", err)

	bsess := newBrowserSession("b", "u", t0)
	bsess.Digest = mint(secret.PrefixBrowserSession)
	noErr(t, "CreateBrowserSession", f.s.Browser.CreateBrowserSession(ctx, bsess))

	tables, err := dumper.Dump(ctx)
	noErr(t, "Dump", err)
	var cells [][]byte
	for _, rows := range tables {
		cells = append(cells, rows...)
	}
	all := bytes.Join(cells, []byte{0})
	// The dump is real: the digests are in it.
	for _, d := range []signet.Digest{cl.SecretDigest, c.Digest, rt0, at1, d.Digest, d.UserCodeDigest, bsess.Digest} {
		if !bytes.Contains(all, d[:]) {
			t.Errorf("digest %v missing from the dump; does Dump cover every table?", d)
		}
	}
	for _, s := range secrets {
		// The whole secret, and for minted ones its random part, encoded
		// and decoded.
		forms := []string{s}
		if n := base64.RawURLEncoding.EncodedLen(secret.Bytes); len(s) > n {
			body := s[len(s)-n:]
			if raw, err := base64.RawURLEncoding.DecodeString(body); err == nil {
				forms = append(forms, body, string(raw))
			}
		}
		for _, form := range forms {
			if bytes.Contains(all, []byte(form)) {
				t.Errorf("the dump holds a secret (%d bytes)", len(form))
			}
		}
	}
}

func randomBytes(t interface{ Fatal(...any) }, r io.Reader) []byte {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatal(err)
	}
	return b
}
