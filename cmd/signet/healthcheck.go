package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-auth/signet/internal/config"
)

// healthcheckTimeout bounds one check: a server that accepts the
// connection and never answers is unhealthy, not a hung check.
const healthcheckTimeout = 5 * time.Second

// healthcheckCmd is `signet healthcheck`: GET /readyz of the local server
// and exit 0 on 200, 1 otherwise. It is what the container image's
// HEALTHCHECK runs, since an image without a shell has no curl.
func (a *cli) healthcheckCmd() *cobra.Command {
	var url string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 if the server's /readyz answers 200, 1 otherwise",
		Long: "Exit 0 if the server's /readyz answers 200, 1 otherwise.\n\n" +
			"Without --url it asks http://<SIGNET_ADDR>/readyz (default " + config.DefaultAddr + "), with an\n" +
			"unspecified host (0.0.0.0, ::) replaced by loopback. A server with --tls-cert needs --url.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if url == "" {
				u, err := readyzURL(a.getenv(config.EnvName("addr")))
				if err != nil {
					return err
				}
				url = u
			}
			return checkReady(cmd.Context(), url, timeout)
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "URL to GET (default: /readyz at SIGNET_ADDR)")
	cmd.Flags().DurationVar(&timeout, "timeout", healthcheckTimeout, "give up after this long")
	return cmd
}

// readyzURL is the /readyz URL of a server listening on addr, reached over
// loopback when addr names every interface.
func readyzURL(addr string) (string, error) {
	if addr == "" {
		addr = config.DefaultAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("SIGNET_ADDR %q: %w", addr, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}

// checkReady GETs url and wants a 200 within timeout. Redirects are not
// followed: /readyz answers itself.
func checkReady(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("GET %s: no answer within %s", url, timeout)
		}
		return err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s %q", url, res.Status, body)
	}
	return nil
}
