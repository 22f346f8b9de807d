package main

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/internal/failpoint"
)

// failPoints arms the crash test's fail-points named in SIGNET_FAILPOINTS
// (package failpoint; catalogue CC-05). They are a test facility: a point
// armed with kill lets one request SIGKILL the server, so they are refused
// without --dev (which also keeps the server on loopback), and a server
// that has any armed says so at the top of its log, at error level, and
// again each time one fires.
func (a *cli) failPoints(c *config.Config, log *slog.Logger) (*failpoint.Points, error) {
	spec := a.getenv(failpoint.EnvVar)
	if spec == "" {
		return nil, nil
	}
	if !c.Dev {
		return nil, errors.New(failpoint.EnvVar + " is a test facility and needs --dev; unset it")
	}
	points, err := failpoint.Parse(spec, map[string]failpoint.Action{
		failpoint.ActionKill: func(point string) {
			log.Error("FAIL-POINT: killing this process (SIGKILL)", "point", point)
			failpoint.Kill()
		},
	})
	if err != nil {
		return nil, err
	}
	log.Error("FAIL-POINTS ARMED: a request that reaches one kills this server; a crash-test setting, never for real use",
		"env", failpoint.EnvVar, "points", strings.Join(points.Armed(), ","))
	return points, nil
}
