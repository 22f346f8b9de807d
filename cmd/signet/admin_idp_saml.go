package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/app"
	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/upstream"
)

// maxMetadata bounds an IdP metadata document read from a file or a URL.
const maxMetadata = 1 << 20

// adminIdPAddSAMLCmd adds a SAML 2.0 IdP from its metadata (a file or a
// URL, read once, here) and prints what to give the IdP in return.
func (a *cli) adminIdPAddSAMLCmd(with withServices) *cobra.Command {
	var s config.IdPSettings
	var claims []string
	var file, from string
	cmd := &cobra.Command{
		Use:   "add-saml NAME (--metadata-file PATH | --metadata-url URL) [--entity-id ID] [--name-id-format F] [--allow-idp-initiated] [--claim KEY=ATTRIBUTE]... [--domain D]... [--allow-group G]...",
		Short: "Add (or replace) an upstream SAML 2.0 identity provider",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			s.Name, s.Claims, s.Kind, s.SAMLMetadataFile = args[0], map[string]string{}, "saml", "(given)"
			for _, c := range claims {
				k, v, ok := strings.Cut(c, "=")
				if !ok || v == "" {
					return fmt.Errorf("--claim %q: want KEY=ATTRIBUTE (keys: sub, username, name, email, groups)", c)
				}
				s.Claims[k] = v
			}
			if !config.IdPNameRe.MatchString(s.Name) {
				return fmt.Errorf("name %q: want 1 to 64 of a-z, 0-9 and -", s.Name)
			}
			if (file == "") == (from == "") {
				return fmt.Errorf("give one of --metadata-file and --metadata-url")
			}
			c := config.Config{Federation: config.Federation{IdentityProviders: []config.IdPSettings{s}}}
			if err := c.ValidateFederation(); err != nil {
				return err
			}
			doc, err := readMetadata(ctx, file, from)
			if err != nil {
				return err
			}
			p := app.IdPFromSettings(s)
			if err := app.SAMLIdP(&p, doc, s.SAMLNameIDFormat, s.SAMLAllowIdPInitiated); err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
			now := a.clock.Now()
			p.CreatedAt, p.UpdatedAt = now, now
			if err := svc.Stores.Federation.SetIdP(ctx, p); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: SAML IdP %s\n", s.Name, p.Issuer)
			for _, r := range samlSPRows(p) {
				fmt.Fprintf(a.stdout, "%s: %s %s\n", s.Name, r[0], r[1])
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&file, "metadata-file", "", "the IdP's metadata document (XML), as its administrator exports it")
	f.StringVar(&from, "metadata-url", "", "where to fetch the IdP's metadata once, now (https)")
	f.StringVar(&s.Issuer, "entity-id", "", "the IdP's entity id; must match the metadata's (default: the metadata's)")
	f.StringVar(&s.DisplayName, "display-name", "", `the button's label ("Continue with …"); default the name`)
	f.StringVar(&s.SAMLNameIDFormat, "name-id-format", "", "NameID format asked for and required (default persistent)")
	f.BoolVar(&s.SAMLAllowIdPInitiated, "allow-idp-initiated", false, "accept unsolicited (IdP-initiated) responses")
	f.StringSliceVar(&claims, "claim", nil, "attribute mapping KEY=ATTRIBUTE, by Name or FriendlyName (repeatable; keys sub, username, name, email, groups; sub empty: the NameID)")
	f.StringSliceVar(&s.Domains, "domain", nil, "e-mail domain whose login_hint goes straight to this provider (repeatable)")
	f.StringSliceVar(&s.AllowedGroups, "allow-group", nil, "admit only members of this upstream group (repeatable)")
	return cmd
}

// samlSPRows are what the IdP's administrator needs of signet.
func samlSPRows(p signet.IdentityProvider) [][2]string {
	return [][2]string{
		{"sp_entity_id", "<issuer>" + upstream.SAMLMetadataPath(p.Name)},
		{"sp_metadata_url", "<issuer>" + upstream.SAMLMetadataPath(p.Name)},
		{"acs_url", "<issuer>" + upstream.SAMLACSPath(p.Name)},
		{"name_id_format", firstNonEmpty(p.SAML.NameIDFormat, upstream.NameIDPersistent)},
		{"idp_initiated", fmt.Sprint(p.SAML.AllowIdPInitiated)},
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func readMetadata(ctx context.Context, file, from string) (string, error) {
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("--metadata-file: %w", err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxMetadata+1))
		if err != nil || len(b) > maxMetadata {
			return "", fmt.Errorf("--metadata-file: unreadable or larger than 1 MiB (%v)", err)
		}
		return string(b), nil
	}
	if !strings.HasPrefix(from, "https://") && !strings.HasPrefix(from, "http://") {
		return "", fmt.Errorf("--metadata-url %q: want an https URL", from)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, from, nil)
	if err != nil {
		return "", fmt.Errorf("--metadata-url: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("--metadata-url: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadata+1))
	if err != nil || resp.StatusCode != http.StatusOK || len(b) > maxMetadata {
		return "", fmt.Errorf("--metadata-url: status %d, %d bytes, %v", resp.StatusCode, len(b), err)
	}
	return string(b), nil
}

// samlShowRows are `idp show` of a SAML provider.
func samlShowRows(p signet.IdentityProvider) [][]any {
	rows := [][]any{{"name", p.Name}, {"kind", string(p.Kind)}, {"display_name", p.DisplayName}, {"entity_id", p.Issuer},
		{"claims", fmt.Sprintf("sub=%s username=%s name=%s email=%s groups=%s", p.Claims.Subject, p.Claims.Username,
			p.Claims.DisplayName, p.Claims.Email, p.Claims.Groups)},
		{"domains", strings.Join(p.Domains, " ")}, {"allowed_groups", strings.Join(p.AllowedGroups, " ")}}
	for _, r := range samlSPRows(p) {
		rows = append(rows, []any{r[0], r[1]})
	}
	return rows
}
