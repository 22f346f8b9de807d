package awscli

import (
	"os"
	"path/filepath"
	"strings"
)

// updateConfig sets keys in one section of the shared config file and, when
// services is not empty, points the signin and sts clients at endpoint in
// the [services <services>] section (the SDKs' service-specific endpoint
// configuration,
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
// Everything else in the file is kept as it was.
func updateConfig(path, section string, set [][2]string, services, endpoint string) error {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	text := string(data)
	for _, kv := range set {
		text = iniSet(text, section, kv[0], kv[1])
	}
	if services != "" {
		text = iniSet(text, "services "+services, "signin.endpoint_url", endpoint)
		text = iniSet(text, "services "+services, "sts.endpoint_url", endpoint)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".signet-tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// iniSet returns text with key = value in [section]. A key "parent.child"
// is child in parent's indented sub-section (parent =\n  child = value).
// An existing key is replaced in place; a new one goes after the section's
// last setting; a missing section is appended.
func iniSet(text, section, key, value string) string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if text == "" {
		lines = nil
	}
	parent, child, sub := strings.Cut(key, ".")
	entry := []string{key + " = " + value}
	if sub {
		entry = []string{parent + " =", "  " + child + " = " + value}
	}
	start := -1
	for i, l := range lines {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") &&
			strings.Join(strings.Fields(t[1:len(t)-1]), " ") == section {
			start = i
			break
		}
	}
	if start < 0 {
		if len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) != "" {
			lines = append(lines, "")
		}
		lines = append(lines, "["+section+"]")
		lines = append(lines, entry...)
		return strings.Join(lines, "\n") + "\n"
	}
	end := len(lines) // one past the section's last line
	for i := start + 1; i < len(lines); i++ {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "[") {
			end = i
			break
		}
	}
	indented := func(l string) bool { return l != "" && (l[0] == ' ' || l[0] == '\t') }
	name := func(l string) string { k, _, _ := strings.Cut(l, "="); return strings.TrimSpace(k) }
	last := start // the section's last non-blank line
	for i := start + 1; i < end; i++ {
		l := lines[i]
		if strings.TrimSpace(l) != "" {
			last = i
		}
		if indented(l) || name(l) != parent || !strings.Contains(l, "=") {
			continue
		}
		if !sub {
			lines[i] = entry[0]
			return strings.Join(lines, "\n") + "\n"
		}
		// The parent's block: the indented lines after it.
		j := i + 1
		for ; j < end && indented(lines[j]); j++ {
			if name(lines[j]) == child {
				lines[j] = entry[1]
				return strings.Join(lines, "\n") + "\n"
			}
		}
		return strings.Join(insert(lines, j, entry[1:]), "\n") + "\n"
	}
	return strings.Join(insert(lines, last+1, entry), "\n") + "\n"
}

func insert(lines []string, at int, add []string) []string {
	out := make([]string, 0, len(lines)+len(add))
	out = append(out, lines[:at]...)
	out = append(out, add...)
	return append(out, lines[at:]...)
}
