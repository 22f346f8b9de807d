// Package image tests the container image of deploy/container: it builds
// the image with `make image` (the static binary compiled on the host,
// copied into an image FROM scratch by podman), checks its configuration
// and root filesystem (non-root user, /data owned by it, CA bundle,
// tzdata, HEALTHCHECK through `signet healthcheck`), and completes an SSO
// OIDC device flow against it with the AWS SDK.
//
// Where this machine cannot run containers (a sandbox without the
// privileges an OCI runtime needs), the test logs why and runs the binary
// taken from the image's root filesystem (podman export) instead, with the
// image's environment. It needs podman, make and go; without podman it
// skips, except under CI=true, where it fails. SIGNET_IMAGETEST_EXTRACTED=1
// takes the extracted binary's path even where containers run.
//
// The package has no code of its own; run it alone with
//
//	go test ./test/image
package image
