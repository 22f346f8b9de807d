// Package xform turns model names into command-line names exactly as
// botocore's xform_name does, so that commands and options are spelled as
// the AWS CLI spells them (CreateOAuth2Token → create-o-auth2-token,
// clientId → client-id).
package xform

import (
	"regexp"
	"strings"
)

// Name is botocore.xform_name(name, sep): CamelCase to lower-case words
// joined by sep, keeping a trailing plural acronym ("ARNs") together.
func Name(name, sep string) string {
	if strings.Contains(name, sep) {
		return name
	}
	specialCase := regexp.MustCompile(`[A-Z]{2,}s$`)
	firstCap := regexp.MustCompile(`(.)([A-Z][a-z]+)`)
	endCap := regexp.MustCompile(`([a-z0-9])([A-Z])`)
	if loc := specialCase.FindStringIndex(name); loc != nil {
		name = name[:loc[0]] + sep + strings.ToLower(name[loc[0]:])
	}
	s1 := firstCap.ReplaceAllString(name, "${1}"+sep+"${2}")
	return strings.ToLower(endCap.ReplaceAllString(s1, "${1}"+sep+"${2}"))
}
