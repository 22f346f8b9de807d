package password

import (
	"strings"
	"testing"
)

func TestCommonList(t *testing.T) {
	c, err := LoadCommon()
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() < 10000 {
		t.Fatalf("only %d common passwords", c.Len())
	}
	for _, pw := range []string{"password", "12345678", "PASSWORD", "Password1", "iloveyou", "qwertyuiop", "1qaz2wsx", "football"} {
		if !c.Contains(pw) {
			t.Errorf("%q is not on the list", pw)
		}
	}
	for _, pw := range []string{"correct-horse-battery", "vR7#kq9!Lm2@xZ", strings.Repeat("x", 100)} {
		if c.Contains(pw) {
			t.Errorf("%q is on the list", pw)
		}
	}
	if (&Common{}).Contains("password") {
		t.Error("the zero list contains something")
	}
}
