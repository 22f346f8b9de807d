-- SAML 2.0 identity providers: their settings (IdP metadata, NameID format,
-- IdP-initiated switch) as one JSON document; empty for OIDC providers.
ALTER TABLE identity_providers ADD COLUMN saml TEXT NOT NULL DEFAULT '';
