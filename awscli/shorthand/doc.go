// Package shorthand parses the AWS CLI's shorthand syntax for structure and
// list parameters: key=value pairs separated by commas, nested structures in
// braces, explicit lists in brackets, bare comma-separated lists, and single-
// or double-quoted values with backslash escapes.
//
//	--token-input clientId=abc,grantType=refresh_token
//	--request 'code=x,redirectUri=https://a.example/cb?a\,b'
//	--filters key={a=1,b=[x,y]}
//
// The grammar and its edge cases (what may start a bare value, what may
// follow, where whitespace is dropped, "\," inside bare values) follow the
// AWS CLI's documented shorthand rules,
// https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-shorthand.html,
// so that a value accepted by "aws" means the same thing here.
//
// Parse is purely syntactic; the caller coerces the strings it returns to the
// model's types (see package awscli).
package shorthand
