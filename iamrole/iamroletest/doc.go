// Package iamroletest holds a scripted STS for tests of package iamrole and
// of the surfaces that hand out a bound role's credentials.
package iamroletest
