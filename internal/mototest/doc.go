// Package mototest starts moto's server (https://github.com/getmoto/moto),
// a local AWS whose STS answers AssumeRoleWithWebIdentity and
// GetCallerIdentity, for tests that need a real STS on the other side of
// signet. Moto does not verify web identity tokens; iamrole's AW-01 test
// does that the way IAM documents it.
package mototest
