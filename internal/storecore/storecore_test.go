package storecore

import (
	"errors"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	"github.com/signet-auth/signet"
)

func TestMillis(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want int64
	}{
		{time.Time{}, 0},
		{time.UnixMilli(1).UTC(), 1},
		{time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC), 1772600767008},
	} {
		if got := Millis(tc.in); got != tc.want {
			t.Errorf("Millis(%v) = %d, want %d", tc.in, got, tc.want)
		}
		if got := Time(tc.want); !got.Equal(tc.in) || got.Location() != time.UTC && !got.IsZero() {
			t.Errorf("Time(%d) = %v, want %v in UTC", tc.want, got, tc.in)
		}
	}
	// Below a millisecond is dropped, as the schema stores it.
	if got := Time(Millis(time.UnixMicro(1500))); !got.Equal(time.UnixMilli(1)) {
		t.Errorf("sub-millisecond round trip: %v", got)
	}
}

func TestLists(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		text string
	}{
		{nil, "[]"},
		{[]string{}, "[]"},
		{[]string{"openid", `a"b`}, `["openid","a\"b"]`},
	} {
		if got := JSON(tc.in); got != tc.text {
			t.Errorf("JSON(%q) = %s, want %s", tc.in, got, tc.text)
		}
		back, err := FromJSON[string](tc.text)
		if err != nil {
			t.Fatal(err)
		}
		if len(tc.in) == 0 && back != nil || len(tc.in) > 0 && !reflect.DeepEqual(back, tc.in) {
			t.Errorf("FromJSON(%s) = %#v", tc.text, back)
		}
	}
	if _, err := FromJSON[string]("{"); err == nil {
		t.Error("FromJSON accepted a broken column")
	}
	as := []signet.Assignment{{AccountID: "111122223333", RoleName: "Admin"}}
	back, err := assignmentsFromJSON(assignmentsJSON(as))
	if err != nil || !reflect.DeepEqual(back, as) {
		t.Errorf("assignments round trip: %v, %v", back, err)
	}
}

func TestDigests(t *testing.T) {
	if DigestBytes(signet.Digest{}) != nil {
		t.Error("the zero digest is not NULL")
	}
	d := signet.Digest{1, 2, 3}
	back, err := ToDigest(DigestBytes(d))
	if err != nil || back != d {
		t.Errorf("round trip: %v, %v", back, err)
	}
	if _, err := ToDigest([]byte{1, 2}); err == nil {
		t.Error("ToDigest accepted 2 bytes")
	}
}

func TestMigrations(t *testing.T) {
	ok := fstest.MapFS{
		"m/0002_more.sql":  {Data: []byte("two")},
		"m/0001_init.sql":  {Data: []byte("one")},
		"m/README":         {Data: []byte("not a migration")},
		"m/0010_later.sql": {Data: []byte("ten")},
	}
	ms, err := Migrations(ok, "m")
	if err != nil {
		t.Fatal(err)
	}
	want := []Migration{{1, "0001_init", "one"}, {2, "0002_more", "two"}, {10, "0010_later", "ten"}}
	if !reflect.DeepEqual(ms, want) {
		t.Errorf("Migrations = %+v, want %+v", ms, want)
	}
	if got := Missing(ms, []int64{1, 10}); !reflect.DeepEqual(got, []int64{2}) {
		t.Errorf("Missing = %v, want [2]", got)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"unnumbered": {"m/init.sql": {}},
		"zero":       {"m/0000_init.sql": {}},
		"twice":      {"m/0001_a.sql": {}, "m/01_b.sql": {}},
	} {
		if _, err := Migrations(fsys, "m"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// A missing row reads as ErrNotFound through Row, and Claimed turns it into
// "the condition did not hold".
func TestRowAndClaimed(t *testing.T) {
	noRows := errors.New("no rows")
	r := Row{R: scanFunc(func(...any) error { return noRows }), NoRows: noRows}
	if err := r.Scan(); !errors.Is(err, signet.ErrNotFound) {
		t.Errorf("Row.Scan = %v, want ErrNotFound", err)
	}
	v, ok, err := Claimed(1, r.Scan())
	if v != 0 || ok || err != nil {
		t.Errorf("Claimed(no row) = %v, %v, %v", v, ok, err)
	}
	boom := errors.New("boom")
	if _, ok, err := Claimed(1, boom); ok || err != boom {
		t.Errorf("Claimed(error) = %v, %v", ok, err)
	}
	if v, ok, err := Claimed(7, nil); v != 7 || !ok || err != nil {
		t.Errorf("Claimed(row) = %v, %v, %v", v, ok, err)
	}
}

type scanFunc func(...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }
