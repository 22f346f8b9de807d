package sigv4

import (
	"strings"
	"testing"
)

// FuzzParseAuthorization: the Authorization header parser never panics, and
// whatever it accepts is a well-formed signature: a valid key id, scope and
// sorted SignedHeaders with host.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261121/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,SignedHeaders=host;x-amz-date,Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		"AWS4-HMAC-SHA256 Signature=00, Credential=a/b/c/d/e, SignedHeaders=host",
		"AWS4-HMAC-SHA256 Credential=A/20261121/us-east-1/sts/aws4_request, Credential=B/20261121/us-east-1/sts/aws4_request",
		"AWS4-ECDSA-P256-SHA256 Credential=x",
		"Bearer abc",
		"AWS4-HMAC-SHA256",
		"AWS4-HMAC-SHA256 ,,,",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		var a auth
		if e := parseAuthorization(h, &a); e != nil {
			if e.Kind != KindIncompleteSignature && e.Kind != KindInvalidSignature {
				t.Fatalf("kind %v for a parse failure", e.Kind)
			}
			return
		}
		if !validKeyID(a.keyID) || !isDigits(a.date, 8) || !validRegion(a.region) || !validService(a.service) || !validSignedHeaders(a.signedHeaders) {
			t.Fatalf("accepted a malformed signature: %+v", a)
		}
		if !strings.Contains(";"+a.signedHeaders+";", ";host;") {
			t.Fatal("accepted SignedHeaders without host")
		}
	})
}

// FuzzCanonicalQuery: the fast path that takes a raw query as its own
// canonical form agrees with decoding, re-encoding and sorting it.
func FuzzCanonicalQuery(f *testing.F) {
	for _, s := range []string{"", "aws_iam=t", "a=1&b=2", "b=2&a=1", "a=%2F", "a=%2f", "a=%41", "a+b=c", "a", "a=1&", "&a=1", "a=1&a=0", "k=%E2%9C%93", "=v", "a=%", "a=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !isCanonicalQuery(raw) {
			return
		}
		q, ok := parseQuery(raw)
		if !ok {
			t.Fatalf("%q: fast path accepts what the decoder refuses", raw)
		}
		if got := string(appendCanonicalQuery(nil, q, "")); got != raw {
			t.Fatalf("%q: canonical form is %q", raw, got)
		}
	})
}

// FuzzCanonicalURI: the normalised path has no empty, "." or ".." segments,
// and escaping leaves only unreserved characters, '/' and %XX.
func FuzzCanonicalURI(f *testing.F) {
	for _, s := range []string{"/", "/a/./b/../c//d/", "/%2F%20x", "/..", "//", "/a/b/", "/ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if p == "" || p[0] != '/' {
			return
		}
		n := normalisePath(p)
		if !isNormalPath(n) && n != "/" {
			t.Fatalf("normalisePath(%q) = %q is not normal", p, n)
		}
		if isNormalPath(p) && string(appendCanonicalURI(nil, p, true)) != string(appendCanonicalURI(nil, p, false)) {
			t.Fatalf("%q is normal but normalising changed it", p)
		}
		u := string(appendCanonicalURI(nil, p, true))
		for i := 0; i < len(u); i++ {
			c := u[i]
			if c == '%' {
				if i+2 >= len(u) || !isUpperHex(u[i+1]) || !isUpperHex(u[i+2]) {
					t.Fatalf("bad escape in %q", u)
				}
				i += 2
			} else if c != '/' && !isUnreserved(c) {
				t.Fatalf("unescaped %q in %q", c, u)
			}
		}
	})
}
