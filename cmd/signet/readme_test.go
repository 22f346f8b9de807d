package main

import (
	"os"
	"regexp"
	"testing"
)

// Every command `signet --help` lists is in the README as `signet NAME`,
// and every `signet NAME` the README shows is a command: the two agree.
func TestREADMEAgreesWithHelp(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	root := (&cli{getenv: mapenv(nil)}).rootCmd()
	commands := map[string]bool{}
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		commands[c.Name()] = true
		if !regexp.MustCompile(`signet ` + regexp.QuoteMeta(c.Name()) + `\b`).Match(readme) {
			t.Errorf("README.md never shows `signet %s` (%s)", c.Name(), c.Short)
		}
	}
	// Shown: in inline code, or at the start of a line of a code block.
	var shown [][][]byte
	shown = append(shown, regexp.MustCompile("`signet ([a-z][a-z0-9-]*)").FindAllSubmatch(readme, -1)...)
	for _, block := range regexp.MustCompile("(?ms)^```[a-z]*\n(.*?)^```").FindAllSubmatch(readme, -1) {
		shown = append(shown, regexp.MustCompile(`(?m)^signet ([a-z][a-z0-9-]*)`).FindAllSubmatch(block[1], -1)...)
	}
	for _, m := range shown {
		if name := string(m[1]); !commands[name] {
			t.Errorf("README.md shows `signet %s`, which --help does not list", name)
		}
	}
}
