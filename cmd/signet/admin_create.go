package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/go-jose/go-jose/v4"
	"github.com/spf13/cobra"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/app"
)

// adminAccessKeyCmd manages long-term AWS access keys (AKIA…) of service
// principals: the secret is printed once, at creation, and kept only
// sealed under the keyring's AEAD key.
func (a *cli) adminAccessKeyCmd(with withServices) *cobra.Command {
	cmd := &cobra.Command{Use: "access-key", Short: "Manage long-term AWS access keys of service principals"}

	var principal string
	create := &cobra.Command{
		Use:   "create --principal ARN",
		Short: "Create an access key for an IAM user (or root) ARN; the secret is printed once",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			k, secret, err := svc.Authority.CreateAccessKey(ctx, principal)
			if err != nil {
				return err
			}
			if err := adminRecord(ctx, svc, signet.AuditAdminChange, "", "access key created id="+k.ID+" principal="+k.PrincipalARN); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "created access key %s for %s; the secret is shown only now\n", k.ID, k.PrincipalARN)
			// The shape of an AWS credentials file profile.
			fmt.Fprintf(a.stdout, "aws_access_key_id = %s\naws_secret_access_key = %s\n", k.ID, secret)
			return nil
		}),
	}
	create.Flags().StringVar(&principal, "principal", "", "arn:aws:iam::<account>:user/<name> (or :root)")
	create.MarkFlagRequired("principal")

	var listPrincipal string
	list := &cobra.Command{
		Use:   "list [--principal ARN]",
		Short: "List access keys (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			keys, err := svc.Authority.ListAccessKeys(ctx, listPrincipal)
			if err != nil {
				return err
			}
			rows := [][]any{{"ID", "PRINCIPAL", "CREATED", "STATUS"}}
			for _, k := range keys {
				status := "Active"
				if k.Disabled {
					status = "Inactive"
				}
				rows = append(rows, []any{k.ID, k.PrincipalARN, fmtTime(k.CreatedAt), status})
			}
			return a.table(rows)
		}),
	}
	list.Flags().StringVar(&listPrincipal, "principal", "", "only this principal's keys")

	del := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete an access key; requests signed with it stop verifying at once",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			if err := svc.Authority.DeleteAccessKey(ctx, args[0]); err != nil {
				return notFound("access key", args[0], err)
			}
			if err := adminRecord(ctx, svc, signet.AuditAdminChange, "", "access key deleted id="+args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "deleted access key %s\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(create, list, del)
	return cmd
}

// clientCreateCmd defines a confidential client of the standard OAuth
// surface: its id and secret are printed once.
func (a *cli) clientCreateCmd(with withServices) *cobra.Command {
	var (
		spec     authserver.ClientSpec
		jwksFile string
	)
	create := &cobra.Command{
		Use:   "create --name NAME --grant-type TYPE [--redirect-uri URI] [--scope S] [--jwks FILE]",
		Short: "Create a confidential client; its id and secret are printed once",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			spec.Type = signet.ClientConfidential
			// The keys are checked before anything is stored.
			var jwks []byte
			if jwksFile != "" {
				var err error
				if jwks, err = readPublicJWKS(jwksFile); err != nil {
					return err
				}
			}
			ic, err := svc.Engine.CreateClient(ctx, spec)
			if err != nil {
				return err
			}
			if jwks != nil {
				if err := svc.Stores.ClientKeys.SetClientJWKS(ctx, ic.Client.ID, jwks); err != nil {
					// Never leave a client behind that lacks the keys it
					// was defined with.
					return errors.Join(fmt.Errorf("store the client's keys: %w", err),
						svc.Stores.Clients.DeleteClient(ctx, ic.Client.ID, a.clock.Now()))
				}
			}
			fmt.Fprintf(a.stderr, "created client %s; the secret is shown only now\n", ic.Client.Name)
			fmt.Fprintf(a.stdout, "client_id: %s\nclient_secret: %s\n", ic.Client.ID, ic.Secret)
			return nil
		}),
	}
	f := create.Flags()
	f.StringVar(&spec.ID, "id", "", "client id (default: generated)")
	f.StringVar(&spec.Name, "name", "", "name shown on the consent page")
	f.StringSliceVar(&spec.GrantTypes, "grant-type", nil,
		"grant type (repeatable): authorization_code, refresh_token, client_credentials, "+signet.GrantDeviceCode+
			", and CreateTokenWithIAM's "+signet.GrantJWTBearer+" and "+signet.GrantTokenExchange)
	f.StringSliceVar(&spec.RedirectURIs, "redirect-uri", nil, "redirect URI (repeatable; needed for authorization_code)")
	f.StringSliceVar(&spec.Scopes, "scope", nil, "scope the client may ask for (repeatable)")
	f.DurationVar(&spec.SecretLifetime, "secret-lifetime", 0, "the secret expires after this long (0: never; at most 8760h)")
	f.StringVar(&jwksFile, "jwks", "", "JWK Set file (public keys only) for private_key_jwt client authentication (RFC 7523)")
	create.MarkFlagRequired("name")
	create.MarkFlagRequired("grant-type")
	return create
}

// maxJWKSBytes bounds a JWK Set file.
const maxJWKSBytes = 64 << 10

// readPublicJWKS reads a JWK Set (RFC 7517 §5) and returns it re-encoded,
// after checking that it holds at least one key and only valid public
// signature keys: a private or symmetric key in the store would hand
// whoever reads the database the client's identity.
func readPublicJWKS(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--jwks: %w", err)
	}
	if len(b) > maxJWKSBytes {
		return nil, fmt.Errorf("--jwks %s: larger than %d bytes", path, maxJWKSBytes)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("--jwks %s: not a JWK Set: %w", path, err)
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("--jwks %s: no keys", path)
	}
	for i, k := range set.Keys {
		switch {
		case !k.Valid():
			return nil, fmt.Errorf("--jwks %s: key %d is not valid", path, i)
		case !k.IsPublic():
			return nil, fmt.Errorf("--jwks %s: key %d (%q) is not a public key; give the public half only", path, i, k.KeyID)
		case k.Use == "enc":
			return nil, fmt.Errorf("--jwks %s: key %d (%q) is an encryption key", path, i, k.KeyID)
		}
	}
	return json.Marshal(set)
}

// jwksSize returns how many private_key_jwt keys the client registered.
func jwksSize(ctx context.Context, svc *app.Core, clientID string) (int, error) {
	b, err := svc.Stores.ClientKeys.ClientJWKS(ctx, clientID)
	if errors.Is(err, signet.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return 0, fmt.Errorf("client %s: stored JWK Set: %w", clientID, err)
	}
	return len(set.Keys), nil
}
