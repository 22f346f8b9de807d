package dpop

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

func TestDP01_NoHeader(t *testing.T) {
	v := newVerifier(t)
	for name, header := range map[string][]string{"absent": nil, "empty list": {}, "empty value": {""}} {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), request(header...))
			wantInvalid(t, err, errMissing)
		})
	}
	// The key holder is unaffected.
	key := newECKey(t, elliptic.P256())
	mustVerify(t, v, request(proofFor(t, key, "j1")))
}

func TestDP02_OtherKeyOtherJKT(t *testing.T) {
	v := newVerifier(t)
	holder, thief := newECKey(t, elliptic.P256()), newECKey(t, elliptic.P256())
	a := mustVerify(t, v, request(proofFor(t, holder, "j1")))
	b := mustVerify(t, v, request(proofFor(t, holder, "j2")))
	c := mustVerify(t, v, request(proofFor(t, thief, "j3")))
	if a.JKT != b.JKT {
		t.Errorf("one key gave two thumbprints: %s, %s", a.JKT, b.JKT)
	}
	if a.JKT == c.JKT {
		t.Errorf("two keys gave one thumbprint %s", a.JKT)
	}
	want, _ := KeyThumbprint(&holder.PublicKey)
	if a.JKT != want || !holder.PublicKey.Equal(a.Key) {
		t.Errorf("proof key/jkt %s, want the holder's %s", a.JKT, want)
	}
}

func TestDP03_ReplayRejected(t *testing.T) {
	// Two handles on one database file: two nodes sharing the store.
	path := filepath.Join(t.TempDir(), "signet.db")
	db1, db2 := openDB(t, path), openDB(t, path)
	node1 := newVerifier(t, func(o *Options) { o.Replay = db1.Stores().Replay })
	node2 := newVerifier(t, func(o *Options) { o.Replay = db2.Stores().Replay })
	key := newECKey(t, elliptic.P256())
	proof := proofFor(t, key, "once")

	p := mustVerify(t, node1, request(proof))
	_, err := node1.Verify(context.Background(), request(proof))
	wantInvalid(t, err, errReplay)
	_, err = node2.Verify(context.Background(), request(proof))
	wantInvalid(t, err, errReplay)

	// Same jti, fresh proof by the same key: still a replay.
	_, err = node2.Verify(context.Background(), request(proofFor(t, key, "once")))
	wantInvalid(t, err, errReplay)

	// The record is keyed by key and jti: another client's jti is its own.
	mustVerify(t, node2, request(proofFor(t, newECKey(t, elliptic.P256()), "once")))

	// Kept as long as the proof could pass the iat check on any node:
	// until iat + MaxAge + FutureSkew, and no longer.
	d := signet.Digest(sha256.Sum256([]byte(p.JKT + "\x00once")))
	until := t0.Add(DefaultMaxAge + DefaultFutureSkew)
	replay := db2.Stores().Replay
	if fresh, err := replay.MarkUsed(t.Context(), d, until.Add(time.Hour), until.Add(-time.Millisecond)); err != nil || fresh {
		t.Errorf("record gone before %v (%v)", until, err)
	}
	if fresh, err := replay.MarkUsed(t.Context(), d, until.Add(time.Hour), until); err != nil || !fresh {
		t.Errorf("record still kept at %v (%v)", until, err)
	}
}

func TestDP03_InvalidProofDoesNotBurnJTI(t *testing.T) {
	v := newVerifier(t)
	key := newECKey(t, elliptic.P256())
	bad, err := NewProof(key, "POST", "https://signin.example.test/v1/introspect", t0, "j")
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), request(bad))
	wantInvalid(t, err, errURL)
	mustVerify(t, v, request(proofFor(t, key, "j")))
}

func TestDP03_StoreFailureIsNotAnInvalidProof(t *testing.T) {
	v := newVerifier(t, func(o *Options) { o.Replay = failingReplay{} })
	_, err := v.Verify(context.Background(), request(proofFor(t, newECKey(t, elliptic.P256()), "j")))
	if !errors.Is(err, signet.ErrUnavailable) || signet.ErrorCodeOf(err) == signet.CodeInvalidDPoPProof {
		t.Fatalf("store failure surfaced as %v", err)
	}
}

type failingReplay struct{}

func (failingReplay) MarkUsed(context.Context, signet.Digest, time.Time, time.Time) (bool, error) {
	return false, signet.ErrUnavailable
}

func TestDP04_Algorithms(t *testing.T) {
	ec := newECKey(t, elliptic.P256())
	ed := ed25519Key(t)
	var seq jtiSeq
	hs256 := func(t *testing.T) string {
		// The classic confusion: the public key, as the client sent it, used
		// as an HMAC secret.
		p := validParts(t, ec, seq.next())
		p.header["alg"] = "HS256"
		h, c := jsonB64(t, p.header), jsonB64(t, p.claims)
		jwk, _ := canonicalJWK(ec.Public())
		m := hmac.New(sha256.New, []byte(`{"crv":"P-256","kty":"EC","x":"`+jwk.X+`","y":"`+jwk.Y+`"}`))
		m.Write([]byte(h + "." + c))
		return h + "." + c + "." + encodeB64(m.Sum(nil))
	}
	withAlg := func(key crypto.Signer, alg, signAlg string) func(*testing.T) string {
		return func(t *testing.T) string {
			p := validParts(t, key, seq.next())
			p.header["alg"] = alg
			return p.sign(t, key, signAlg)
		}
	}
	noAlg := func(t *testing.T) string {
		p := validParts(t, ec, seq.next())
		delete(p.header, "alg")
		return p.sign(t, ec, ES256)
	}
	cases := []proofCase{
		{"ES256 control", withAlg(ec, ES256, ES256), nil},
		{"none", withAlg(ec, "none", ES256), errAlg},
		{"None", withAlg(ec, "None", ES256), errAlg},
		{"HS256 with the public key as secret", hs256, errAlg},
		{"alg missing", noAlg, errAlg},
		{"EdDSA not in the list", withAlg(ed, EdDSA, EdDSA), errAlg},
		{"ES384 not in the list", withAlg(ec, ES384, ES256), errAlg},
		{"RS256 on an EC key", withAlg(ec, RS256, ES256), errAlg},
	}
	v := newVerifier(t)
	runProofCases(t, v, cases)

	// With a wider list, alg and key must still agree.
	wide := newVerifier(t, func(o *Options) { o.Algorithms = []string{ES256, ES384, ES512, EdDSA, PS256, RS256} })
	ec384 := newECKey(t, elliptic.P384())
	mismatch := []struct {
		name  string
		proof func(*testing.T) string
	}{
		{"ES384 on a P-256 key", withAlg(ec, ES384, ES256)},
		{"ES256 on a P-384 key", withAlg(ec384, ES256, ES384)},
		{"EdDSA on an EC key", withAlg(ec, EdDSA, ES256)},
		{"ES256 on an Ed25519 key", withAlg(ed, ES256, EdDSA)},
		{"PS256 on an EC key", withAlg(ec, PS256, ES256)},
	}
	for _, tc := range mismatch {
		t.Run(tc.name, func(t *testing.T) {
			_, err := wide.Verify(context.Background(), request(tc.proof(t)))
			wantInvalid(t, err, errKeyMismatch)
		})
	}

	for _, bad := range []string{"none", "HS256", "HS512", "ES256K", ""} {
		if _, err := NewVerifier(Options{Algorithms: []string{bad}, Replay: failingReplay{}, Clock: signet.SystemClock{}}); err == nil {
			t.Errorf("NewVerifier accepted algorithm %q", bad)
		}
	}
}

func TestDP05_KeyAndSignature(t *testing.T) {
	ec := newECKey(t, elliptic.P256())
	other := newECKey(t, elliptic.P256())
	weak := rsaKey(t, 1024)
	var seq jtiSeq
	edit := func(f func(p parts)) func(*testing.T) string {
		return func(t *testing.T) string {
			p := validParts(t, ec, seq.next())
			f(p)
			return p.sign(t, ec, ES256)
		}
	}
	jwk := func(p parts) map[string]any { return p.header["jwk"].(map[string]any) }
	cases := []proofCase{
		{"control", edit(func(parts) {}), nil},
		{"signed by another key", func(t *testing.T) string {
			return validParts(t, ec, seq.next()).sign(t, other, ES256)
		}, errSignature},
		{"signature bit flipped", func(t *testing.T) string {
			proof := validParts(t, ec, seq.next()).sign(t, ec, ES256)
			sig, _ := decodeB64(proof[strings.LastIndexByte(proof, '.')+1:])
			sig[10] ^= 1
			return proof[:strings.LastIndexByte(proof, '.')+1] + encodeB64(sig)
		}, errSignature},
		{"signature as ASN.1", func(t *testing.T) string {
			proof := validParts(t, ec, seq.next()).sign(t, ec, ES256)
			input := proof[:strings.LastIndexByte(proof, '.')]
			digest := sha256.Sum256([]byte(input))
			der, err := ecdsa.SignASN1(rand.Reader, ec, digest[:])
			if err != nil {
				t.Fatal(err)
			}
			return input + "." + encodeB64(der)
		}, errSignature},
		{"jwk absent", edit(func(p parts) { delete(p.header, "jwk") }), errJWK},
		{"jwk not an object", edit(func(p parts) { p.header["jwk"] = "key" }), errJSON},
		{"jwk with d", edit(func(p parts) {
			b, _ := ec.Bytes()
			jwk(p)["d"] = encodeB64(b)
		}), errPrivateKey},
		{"symmetric jwk", edit(func(p parts) {
			p.header["jwk"] = map[string]any{"kty": "oct", "k": "c2VjcmV0"}
		}), errPrivateKey},
		{"jwk kty missing", edit(func(p parts) { delete(jwk(p), "kty") }), errJWK},
		{"jwk y missing", edit(func(p parts) { delete(jwk(p), "y") }), errJWK},
		{"jwk crv unknown", edit(func(p parts) { jwk(p)["crv"] = "secp256k1" }), errJWK},
		{"point off the curve", edit(func(p parts) {
			y, _ := decodeB64(jwk(p)["y"].(string))
			y[len(y)-1] ^= 1
			jwk(p)["y"] = encodeB64(y)
		}), errJWK},
		{"coordinate longer than the curve", edit(func(p parts) {
			x, _ := decodeB64(jwk(p)["x"].(string))
			jwk(p)["x"] = encodeB64(append([]byte{0}, x...))
		}), errJWK},
		{"coordinate not a string", edit(func(p parts) { jwk(p)["x"] = 12 }), errJWK},
		{"RSA 1024", func(t *testing.T) string {
			p := validParts(t, weak, seq.next())
			return p.sign(t, weak, PS256)
		}, errWeakKey},
	}
	v := newVerifier(t, func(o *Options) { o.Algorithms = []string{ES256, PS256} })
	runProofCases(t, v, cases)

	// Every RSA private member is refused, not only d.
	for _, m := range []string{"d", "p", "q", "dp", "dq", "qi", "oth"} {
		if _, err := Thumbprint([]byte(`{"kty":"RSA","n":"AQAB","e":"AQAB","` + m + `":"AQAB"}`)); !errors.Is(err, errPrivateKey) {
			t.Errorf("jwk with %s: %v", m, err)
		}
	}
}

func TestDP06_Typ(t *testing.T) {
	key := newECKey(t, elliptic.P256())
	v := newVerifier(t)
	var seq jtiSeq
	for _, tc := range []struct {
		name string
		typ  any // nil: absent
		ok   bool
	}{
		{"dpop+jwt", "dpop+jwt", true},
		{"missing", nil, false},
		{"JWT", "JWT", false},
		{"at+jwt", "at+jwt", false},
		{"application/dpop+jwt", "application/dpop+jwt", false},
		{"DPOP+JWT", "DPOP+JWT", false},
		{"not a string", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := validParts(t, key, seq.next())
			p.header["typ"] = tc.typ
			if tc.typ == nil {
				delete(p.header, "typ")
			}
			_, err := v.Verify(context.Background(), request(p.sign(t, key, ES256)))
			switch {
			case tc.ok && err != nil:
				t.Fatal(err)
			case !tc.ok && tc.typ == 1:
				wantInvalid(t, err, errClaim)
			case !tc.ok:
				wantInvalid(t, err, errTyp)
			}
		})
	}
}

func TestDP07_MethodAndURL(t *testing.T) {
	key := newECKey(t, elliptic.P256())
	v := newVerifier(t)
	var seq jtiSeq
	cases := []struct {
		htm, htu string
		reason   error // nil: accepted
	}{
		{"POST", testURL, nil},
		{"POST", testURL + "?x-amz-oauth-token-method=token-exchange", nil},
		{"POST", testURL + "#fragment", nil},
		{"POST", "https://signin.example.test:443/v1/token", nil},
		{"POST", "HTTPS://SIGNIN.Example.TEST/v1/token", nil},
		{"POST", "https://signin.example.test/v1/%74oken", nil},
		{"GET", testURL, errMethod},
		{"post", testURL, errMethod},
		{"", testURL, errMethod},
		{"POST", "https://signin.example.test/v1/introspect", errURL},
		{"POST", "https://signin.example.test/v1/token/", errURL},
		{"POST", "https://signin.example.test/V1/TOKEN", errURL},
		{"POST", "https://evil.example.test/v1/token", errURL},
		{"POST", "https://signin.example.test:8443/v1/token", errURL},
		{"POST", "http://signin.example.test/v1/token", errURL},
		{"POST", "http://signin.example.test:443/v1/token", errURL},
		{"POST", "https://user@signin.example.test/v1/token", errURL},
		{"POST", "/v1/token", errURL},
		{"POST", "signin.example.test/v1/token", errURL},
		{"POST", "ftp://signin.example.test/v1/token", errURL},
		{"POST", "", errURL},
	}
	for _, tc := range cases {
		t.Run(tc.htm+" "+tc.htu, func(t *testing.T) {
			p := validParts(t, key, seq.next())
			p.claims["htm"], p.claims["htu"] = tc.htm, tc.htu
			_, err := v.Verify(context.Background(), request(p.sign(t, key, ES256)))
			wantResult(t, err, tc.reason)
		})
	}

	// The configured URL is normalised too: a plain-http one with an
	// explicit default port matches the client's portless htu.
	local := Request{Method: "POST", URL: "http://127.0.0.1:80/v1/token"}
	local.Header = []string{mustProof(t, key, "http://127.0.0.1/v1/token", seq.next())}
	mustVerify(t, v, local)

	// A broken configured URL is the server's fault, not the client's.
	_, err := v.Verify(context.Background(), Request{Header: []string{proofFor(t, key, seq.next())}, Method: "POST", URL: "/v1/token"})
	if signet.ErrorCodeOf(err) != signet.CodeInternal {
		t.Errorf("bad configured URL gave %v", err)
	}
}

func mustProof(t testing.TB, key crypto.Signer, url, jti string) string {
	t.Helper()
	p, err := NewProof(key, "POST", url, t0, jti)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDP08_IssuedAtWindow(t *testing.T) {
	key := newECKey(t, elliptic.P256())
	var seq jtiSeq
	cases := []struct {
		name   string
		offset time.Duration
		reason error
	}{
		{"now", 0, nil},
		{"10 s before", -10 * time.Second, nil},
		{"10 s after", 10 * time.Second, nil},
		{"60 s before (edge)", -60 * time.Second, nil},
		{"15 s after (edge)", 15 * time.Second, nil},
		{"61 s before", -61 * time.Second, errIAT},
		{"16 s after", 16 * time.Second, errIAT},
		{"1 h before", -time.Hour, errIAT},
		{"1 h after", time.Hour, errIAT},
	}
	v := newVerifier(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			proof, err := NewProof(key, "POST", testURL, t0.Add(tc.offset), seq.next())
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(context.Background(), request(proof))
			wantResult(t, err, tc.reason)
		})
	}

	// The window is configurable.
	wide := newVerifier(t, func(o *Options) { o.MaxAge, o.FutureSkew = 5*time.Minute, time.Minute })
	for _, off := range []time.Duration{-5 * time.Minute, time.Minute} {
		proof, _ := NewProof(key, "POST", testURL, t0.Add(off), seq.next())
		mustVerify(t, wide, request(proof))
	}
	proof, _ := NewProof(key, "POST", testURL, t0.Add(-5*time.Minute-time.Second), seq.next())
	_, err := wide.Verify(context.Background(), request(proof))
	wantInvalid(t, err, errIAT)

	// Fractional NumericDates are fine; strings and absurd values are not.
	for iat, reason := range map[any]error{
		float64(t0.Unix()) + 0.5: nil, "1763769600": errClaim, -1: errClaim, 1e300: errClaim, true: errClaim,
	} {
		p := validParts(t, key, seq.next())
		p.claims["iat"] = iat
		_, err := v.Verify(context.Background(), request(p.sign(t, key, ES256)))
		wantResult(t, err, reason)
	}
}

func TestDP09_ShapeAndClaims(t *testing.T) {
	key := newECKey(t, elliptic.P256())
	v := newVerifier(t)
	var seq jtiSeq
	valid := proofFor(t, key, seq.next())

	t.Run("two header values", func(t *testing.T) {
		_, err := v.Verify(context.Background(), request(valid, valid))
		wantInvalid(t, err, errMultiple)
	})

	t.Run("header fields as net/http hands them over", func(t *testing.T) {
		read := func(fields string) []string {
			raw := "POST /v1/token HTTP/1.1\r\nHost: signin.example.test\r\n" + fields + "\r\n"
			req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
			if err != nil {
				t.Fatal(err)
			}
			return req.Header.Values("DPoP")
		}
		// The field name is case-insensitive.
		mustVerify(t, v, request(read("dpop: "+proofFor(t, key, seq.next())+"\r\n")...))
		// Two fields, in any spelling, are two proofs.
		two := read("DPoP: " + proofFor(t, key, seq.next()) + "\r\nDpop: " + proofFor(t, key, seq.next()) + "\r\n")
		_, err := v.Verify(context.Background(), request(two...))
		wantInvalid(t, err, errMultiple)
	})

	shape := map[string]string{
		"garbage":              "not a jws",
		"two parts":            "eyJhIjoxfQ.eyJhIjoxfQ",
		"four parts":           valid + ".eyJhIjoxfQ",
		"empty signature":      valid[:strings.LastIndexByte(valid, '.')+1],
		"empty header":         valid[strings.IndexByte(valid, '.'):],
		"padding":              valid + "=",
		"white space":          strings.Replace(valid, ".", ". ", 1),
		"standard base64":      strings.Replace(valid, "e", "+", 1),
		"JSON serialization":   `{"payload":"e30","signatures":[]}`,
		"impossible length":    valid + "AAA",
		"header not JSON":      encodeB64([]byte("typ=dpop+jwt")) + valid[strings.IndexByte(valid, '.'):],
		"trailing data":        encodeB64([]byte(`{"typ":"dpop+jwt"} {}`)) + valid[strings.IndexByte(valid, '.'):],
		"non-canonical base64": valid[:strings.IndexByte(valid, '.')-1] + "z" + valid[strings.IndexByte(valid, '.'):],
	}
	for name, proof := range shape {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), request(proof))
			if !errors.Is(err, errShape) && !errors.Is(err, errJSON) {
				t.Fatalf("got %v, want a shape failure", err)
			}
			wantCode(t, err, signet.CodeInvalidDPoPProof, err)
		})
	}

	t.Run("oversize refused before parsing", func(t *testing.T) {
		// A valid proof made oversize by an ignored header member, and
		// 9 KiB of bytes no parser would accept: both fail on size alone.
		p := validParts(t, key, seq.next())
		p.header["x-pad"] = strings.Repeat("a", MaxProofSize)
		for _, proof := range []string{p.sign(t, key, ES256), strings.Repeat("!", 9<<10), strings.Repeat("A", 64<<10)} {
			_, err := v.Verify(context.Background(), request(proof))
			wantInvalid(t, err, errTooLarge)
		}
		// Just under the limit is fine.
		p.header["x-pad"] = strings.Repeat("a", MaxProofSize*3/4-400) // base64url adds a third
		proof := p.sign(t, key, ES256)
		if len(proof) > MaxProofSize || len(proof) < MaxProofSize-512 {
			t.Fatalf("padded proof is %d bytes", len(proof))
		}
		mustVerify(t, v, request(proof))
	})

	claims := []struct {
		name   string
		edit   func(map[string]any)
		reason error
	}{
		{"control with unknown claims", func(c map[string]any) { c["extra"] = map[string]any{"nested": []int{1}} }, nil},
		{"jti missing", func(c map[string]any) { delete(c, "jti") }, errClaim},
		{"htm missing", func(c map[string]any) { delete(c, "htm") }, errClaim},
		{"htu missing", func(c map[string]any) { delete(c, "htu") }, errClaim},
		{"iat missing", func(c map[string]any) { delete(c, "iat") }, errClaim},
		{"jti empty", func(c map[string]any) { c["jti"] = "" }, errClaim},
		{"jti 256 bytes", func(c map[string]any) { c["jti"] = strings.Repeat("j", 256) }, nil},
		{"jti 257 bytes", func(c map[string]any) { c["jti"] = strings.Repeat("j", 257) }, errClaim},
		{"jti not a string", func(c map[string]any) { c["jti"] = 42 }, errClaim},
		{"htm not a string", func(c map[string]any) { c["htm"] = []string{"POST"} }, errClaim},
		{"htu null", func(c map[string]any) { c["htu"] = nil }, errClaim},
	}
	for _, tc := range claims {
		t.Run(tc.name, func(t *testing.T) {
			p := validParts(t, key, seq.next())
			tc.edit(p.claims)
			_, err := v.Verify(context.Background(), request(p.sign(t, key, ES256)))
			wantResult(t, err, tc.reason)
		})
	}

	t.Run("unknown header members ignored, crit refused", func(t *testing.T) {
		p := validParts(t, key, seq.next())
		p.header["kid"], p.header["x5u"] = "k1", "https://evil.example.test/key"
		mustVerify(t, v, request(p.sign(t, key, ES256)))
		p = validParts(t, key, seq.next())
		p.header["crit"] = []string{"b64"}
		p.header["b64"] = false
		_, err := v.Verify(context.Background(), request(p.sign(t, key, ES256)))
		wantInvalid(t, err, errCrit)
	})

	t.Run("member names are exact and unique", func(t *testing.T) {
		p := validParts(t, key, seq.next())
		p.header["TYP"] = p.header["typ"]
		delete(p.header, "typ")
		_, err := v.Verify(context.Background(), request(p.sign(t, key, ES256)))
		wantInvalid(t, err, errTyp)

		// {"alg":"ES256",…,"alg":"none"} must not pass as either.
		good := validParts(t, key, seq.next()).sign(t, key, ES256)
		h, _ := decodeB64(good[:strings.IndexByte(good, '.')])
		dup := strings.Replace(string(h), `{`, `{"alg":"none",`, 1)
		_, err = v.Verify(context.Background(), request(encodeB64([]byte(dup))+good[strings.IndexByte(good, '.'):]))
		wantInvalid(t, err, errJSON)
	})

	t.Run("ath", func(t *testing.T) {
		r := request(proofFor(t, key, seq.next(), WithAccessToken("sat_token")))
		r.AccessToken = "sat_token"
		mustVerify(t, v, r)
		for name, proof := range map[string]string{
			"missing":         proofFor(t, key, seq.next()),
			"other token":     proofFor(t, key, seq.next(), WithAccessToken("sat_other")),
			"unhashed token":  validPartsWith(t, key, seq.next(), "ath", "sat_token").sign(t, key, ES256),
			"hash not string": validPartsWith(t, key, seq.next(), "ath", 1).sign(t, key, ES256),
		} {
			r := request(proof)
			r.AccessToken = "sat_token"
			_, err := v.Verify(context.Background(), r)
			if !errors.Is(err, errATH) && !errors.Is(err, errClaim) {
				t.Errorf("%s: %v", name, err)
			}
			wantCode(t, err, signet.CodeInvalidDPoPProof, err)
		}
	})
}

func validPartsWith(t testing.TB, key crypto.Signer, jti, claim string, value any) parts {
	p := validParts(t, key, jti)
	p.claims[claim] = value
	return p
}

// rfc7638Key is the RSA key of RFC 7638 §3.1, with its kid and an alg.
const rfc7638Key = `{
  "kty": "RSA",
  "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
  "e": "AQAB",
  "alg": "RS256",
  "kid": "2011-04-29"
}`

func TestDP10_Thumbprint(t *testing.T) {
	got, err := Thumbprint([]byte(rfc7638Key))
	if err != nil {
		t.Fatal(err)
	}
	if want := "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("RFC 7638 §3.1 vector: %s, want %s", got, want)
	}

	key := newECKey(t, elliptic.P256())
	want, err := KeyThumbprint(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := canonicalJWK(&key.PublicKey)
	x, y := `"x":"`+m.X+`"`, `"y":"`+m.Y+`"`
	for _, jwk := range []string{
		`{"kty":"EC","crv":"P-256",` + x + `,` + y + `}`,
		`{` + y + `,` + x + `,"crv":"P-256","kty":"EC"}`,
		`{"kid":"k1","use":"sig","alg":"ES256","kty":"EC","crv":"P-256",` + x + `,` + y + `,"key_ops":["verify"]}`,
		"{\n  \"crv\": \"P-256\",\n  " + y + ",\n  \"kty\": \"EC\",\n  " + x + "\n}",
	} {
		if got, err := Thumbprint([]byte(jwk)); err != nil || got != want {
			t.Errorf("%s: %s, %v; want %s", jwk, got, err, want)
		}
	}

	// A verified proof carries the same jkt.
	v := newVerifier(t)
	if p := mustVerify(t, v, request(proofFor(t, key, "j"))); p.JKT != want {
		t.Errorf("proof jkt %s, want %s", p.JKT, want)
	}

	// Ed25519 (RFC 8037 Appendix A.3).
	ed := `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`
	if got, _ := Thumbprint([]byte(ed)); got != "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k" {
		t.Errorf("RFC 8037 A.3 vector: %s", got)
	}
}

func TestDP11_Nonces(t *testing.T) {
	clock := &clockAt{now: t0}
	nonceKey := []byte(strings.Repeat("k", 32))
	withNonces := func(o *Options) { o.NonceKey, o.Clock, o.NoncePeriod = nonceKey, clock, time.Minute }
	store := openReplay(t)
	node1 := newVerifier(t, withNonces, func(o *Options) { o.Replay = store })
	node2 := newVerifier(t, withNonces, func(o *Options) { o.Replay = store })
	stranger := newVerifier(t, withNonces, func(o *Options) { o.NonceKey = []byte(strings.Repeat("x", 32)) })
	key := newECKey(t, elliptic.P256())
	verify := func(v *Verifier, jti string, opts ...ProofOption) (Proof, error) {
		p, err := NewProof(key, "POST", testURL, clock.Now(), jti, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return v.Verify(context.Background(), request(p))
	}
	wantNonce := func(err error, reason string) string {
		t.Helper()
		wantCode(t, err, signet.CodeUseDPoPNonce, errNonce)
		if !strings.Contains(err.Error(), reason) {
			t.Errorf("error %v, want %q", err, reason)
		}
		n, ok := NonceFromError(err)
		if !ok || len(n) != nonceLen {
			t.Fatalf("no fresh nonce in %v", err)
		}
		return n
	}

	// No nonce: refused with a fresh one; the jti is not used up.
	_, err := verify(node1, "j1")
	nonce := wantNonce(err, "no nonce")
	p, err := verify(node1, "j1", WithNonce(nonce))
	if err != nil || p.Nonce != nonce {
		t.Fatalf("proof with the issued nonce: %v", err)
	}
	// Any node with the key accepts it; Nonce() mints acceptable values.
	if _, err := verify(node2, "j2", WithNonce(nonce)); err != nil {
		t.Fatal(err)
	}
	if _, err := verify(node2, "j3", WithNonce(node1.Nonce())); err != nil {
		t.Fatal(err)
	}
	// Once nonces are on, a nonce-less proof never passes.
	_, err = verify(node2, "j4")
	wantNonce(err, "no nonce")
	// A nonce this deployment never issued.
	_, err = verify(node1, "j5", WithNonce(stranger.Nonce()))
	wantNonce(err, "unknown nonce")
	_, err = verify(node1, "j6", WithNonce("not-a-nonce"))
	wantNonce(err, "unknown nonce")
	// Still good one period on, stale two periods on.
	clock.Set(t0.Add(time.Minute))
	if _, err := verify(node1, "j7", WithNonce(nonce)); err != nil {
		t.Fatalf("nonce one period old: %v", err)
	}
	clock.Set(t0.Add(2 * time.Minute))
	_, err = verify(node1, "j8", WithNonce(nonce))
	fresh := wantNonce(err, "stale nonce")
	if fresh == nonce {
		t.Error("a stale nonce was handed out again")
	}
	if _, err := verify(node1, "j8", WithNonce(fresh)); err != nil {
		t.Fatal(err)
	}
	// An otherwise invalid proof is reported as invalid, not as a nonce
	// problem.
	bad, _ := NewProof(key, "GET", testURL, clock.Now(), "j9")
	_, err = node1.Verify(context.Background(), request(bad))
	wantInvalid(t, err, errMethod)

	// Off by default: no nonce wanted, none handed out.
	off := newVerifier(t)
	if off.Nonce() != "" {
		t.Error("nonce minted with nonces off")
	}
	mustVerify(t, off, request(proofFor(t, key, "j1", WithNonce("anything"))))

	if _, err := NewVerifier(Options{NonceKey: []byte("short"), Replay: store, Clock: clock}); err == nil {
		t.Error("short nonce key accepted")
	}
}

func TestNewProof_AWSShape(t *testing.T) {
	key := newECKey(t, elliptic.P256())
	proof, err := NewProof(key, "POST", testURL, t0, "4b3e1e5e-0000-4000-8000-000000000000")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(proof, ".")
	h, _ := decodeB64(parts[0])
	c, _ := decodeB64(parts[1])
	m, _ := canonicalJWK(&key.PublicKey)
	wantH := `{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"` + m.X + `","y":"` + m.Y + `"}}`
	wantC := `{"htm":"POST","htu":"` + testURL + `","iat":1763769600,"jti":"4b3e1e5e-0000-4000-8000-000000000000"}`
	if string(h) != wantH || string(c) != wantC {
		t.Errorf("header %s\nclaims %s\nwant %s\n%s", h, c, wantH, wantC)
	}
	if sig, _ := decodeB64(parts[2]); len(sig) != 64 {
		t.Errorf("signature of %d bytes, want raw r||s", len(sig))
	}
	if _, err := NewProof(key, "POST", testURL, t0, "j", WithAlgorithm(RS256)); !errors.Is(err, errKeyMismatch) {
		t.Errorf("RS256 with an EC key: %v", err)
	}
}

func ed25519Key(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func rsaKey(t testing.TB, bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func jsonB64(t testing.TB, v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return encodeB64(b)
}
