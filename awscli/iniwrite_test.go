package awscli

import "testing"

func TestIniSet(t *testing.T) {
	for _, c := range []struct {
		name, in, section, key, value, want string
	}{
		{"empty file", "", "profile p", "login_session", "arn", "[profile p]\nlogin_session = arn\n"},
		{"new section after others", "[default]\nregion = eu-west-1\n", "profile p", "region", "us-east-1",
			"[default]\nregion = eu-west-1\n\n[profile p]\nregion = us-east-1\n"},
		{"replace in place", "[profile p]\nlogin_session = old\noutput = json\n\n[default]\n", "profile p", "login_session", "new",
			"[profile p]\nlogin_session = new\noutput = json\n\n[default]\n"},
		{"append to a section before the next", "[profile p]\noutput = json\n\n[default]\nregion = x\n", "profile p", "login_session", "arn",
			"[profile p]\noutput = json\nlogin_session = arn\n\n[default]\nregion = x\n"},
		{"spacing in the header", "[ profile   p ]\n", "profile p", "k", "v", "[ profile   p ]\nk = v\n"},
		{"new sub-section", "[services s]\n", "services s", "signin.endpoint_url", "http://x", "[services s]\nsignin =\n  endpoint_url = http://x\n"},
		{"replace in a sub-section", "[services s]\nsignin =\n  endpoint_url = old\nsts =\n  endpoint_url = keep\n", "services s", "signin.endpoint_url", "new",
			"[services s]\nsignin =\n  endpoint_url = new\nsts =\n  endpoint_url = keep\n"},
		{"add to a sub-section", "[services s]\nsignin =\n  region = r\n[x]\n", "services s", "signin.endpoint_url", "u",
			"[services s]\nsignin =\n  region = r\n  endpoint_url = u\n[x]\n"},
		{"a similar key is not the key", "[profile p]\nlogin_session_x = a\n", "profile p", "login_session", "b",
			"[profile p]\nlogin_session_x = a\nlogin_session = b\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := iniSet(c.in, c.section, c.key, c.value); got != c.want {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
			if parsed := parseINI(iniSet(c.in, c.section, c.key, c.value)); c.key == "login_session" && parsed[c.section][c.key] != c.value {
				t.Errorf("parseINI reads %q", parsed[c.section][c.key])
			}
		})
	}
}

// The cache file name is the SHA-256 of login_session, as in
// credential-caches.md §2.1 and the AWS CLI's login provider test vectors.
func TestLoginCacheName(t *testing.T) {
	for session, want := range map[string]string{
		"arn:aws:sts::123456789012:assumed-role/Admin/alice":   "68afef069a49e0c940bc8515a36649850d686bdd2e3c07927360d151553fc4d3.json",
		"arn:aws:sts::012345678910:assumed-role/Admin/admin":   "4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json",
		" arn:aws:sts::012345678910:assumed-role/Admin/admin ": "4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json",
	} {
		if got := loginCacheName(session); got != want {
			t.Errorf("loginCacheName(%q) = %s, want %s", session, got, want)
		}
	}
}
