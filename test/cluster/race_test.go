//go:build race

package cluster

// raceBuild: the test binary has the race detector, so the signet binary
// is built with it too; its packages are then in the build cache already.
const raceBuild = true
