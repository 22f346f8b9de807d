//go:build !race

package cluster

// raceBuild: see race_test.go.
const raceBuild = false
