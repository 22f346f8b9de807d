package awscli

// Help text, written for signet. Keys are "service" for services,
// "service.Operation" for operations, and member names for parameters
// (the same member means the same thing across these services).

func serviceHelp(name string) string {
	switch name {
	case "sso-oidc":
		return "Register public clients and obtain IAM Identity Center (SSO) access tokens with the device flow, authorization code with PKCE, or a refresh token."
	case "signin":
		return "AWS Sign-In token operations: redeem a login code or refresh token for short-lived SigV4 credentials, and mint, introspect or revoke OAuth tokens with IAM authentication."
	case "amplifyuibuilder":
		return "Exchange and refresh third-party (Figma) OAuth tokens through a broker that keeps the provider's client secret on the server."
	case "sso":
		return "The SSO portal: list the accounts and roles an access token may use, fetch role credentials, and end the portal session. Also: sso login."
	case "sts":
		return "Security Token Service: show which identity signs the request."
	}
	return ""
}

func operationHelp(key string) string {
	switch key {
	case "sso-oidc.CreateToken":
		return "Redeem a device code, an authorization code (with its PKCE verifier) or a refresh token for an access token. No AWS credentials needed."
	case "sso-oidc.CreateTokenWithIAM":
		return "Obtain tokens for an Identity Center application, authenticating the caller with SigV4."
	case "sso-oidc.RegisterClient":
		return "Register a public client and receive the client id and secret used by the other calls. No AWS credentials needed."
	case "sso-oidc.StartDeviceAuthorization":
		return "Begin the device flow: receive a device code to poll with and a user code to approve in the browser. No AWS credentials needed."
	case "signin.CreateOAuth2Token":
		return "Redeem a login authorization code or a refresh token for temporary AWS credentials. No AWS credentials needed."
	case "signin.CreateOAuth2TokenWithIAM":
		return "Obtain a bearer token for a resource with the client-credentials grant, authenticating the caller with SigV4."
	case "signin.IntrospectOAuth2TokenWithIAM":
		return "Report whether a Sign-In access or refresh token is active, and what it is bound to (RFC 7662)."
	case "signin.RevokeOAuth2TokenWithIAM":
		return "Revoke a Sign-In refresh token (RFC 7009). Succeeds for unknown tokens too."
	case "amplifyuibuilder.ExchangeCodeForToken":
		return "Trade a provider authorization code for the provider's access and refresh tokens."
	case "amplifyuibuilder.RefreshToken":
		return "Use a provider refresh token to get a new provider access token."
	case "sso.GetRoleCredentials":
		return "Fetch short-lived credentials for a role in an account, using an SSO access token."
	case "sso.ListAccountRoles":
		return "List the roles the SSO access token may assume in one account."
	case "sso.ListAccounts":
		return "List the accounts the SSO access token gives access to."
	case "sso.Logout":
		return "End the portal session of an SSO access token."
	case "sts.GetCallerIdentity":
		return "Print the account, user id and ARN of the credentials that sign the request."
	}
	return ""
}

func memberHelp(name string) string {
	switch name {
	case "clientId":
		return "The client identifier."
	case "clientSecret":
		return "The client secret returned when the client was registered."
	case "grantType":
		return "Which grant to redeem."
	case "deviceCode":
		return "The device code from start-device-authorization (device flow)."
	case "code":
		return "The authorization code from the redirect."
	case "refreshToken":
		return "The refresh token to redeem."
	case "scope", "scopes":
		return "Scopes to request."
	case "redirectUri":
		return "The redirect URI used when the code was issued."
	case "codeVerifier":
		return "The PKCE code verifier (RFC 7636) matching the code challenge sent with the authorization request."
	case "assertion":
		return "A JWT from a trusted token issuer (jwt-bearer grant)."
	case "subjectToken":
		return "The token to exchange (token-exchange grant)."
	case "subjectTokenType":
		return "The type URI of the subject token."
	case "requestedTokenType":
		return "The type URI of the token wanted back."
	case "clientName":
		return "A name for the client."
	case "clientType":
		return "The client type; public is the only one accepted."
	case "redirectUris":
		return "Redirect URIs the client may use (loopback URIs match any port)."
	case "grantTypes":
		return "Grant types the client may use."
	case "issuerUrl":
		return "The issuer (start URL) the client is registered for."
	case "entitledApplicationArn":
		return "The Identity Center application the client belongs to."
	case "startUrl":
		return "The start URL of the SSO portal the user signs in to."
	case "tokenInput":
		return "The token request: clientId, grantType and the grant's fields."
	case "resource":
		return "The resource the token is for."
	case "token":
		return "The token to inspect, revoke or refresh."
	case "tokenTypeHint":
		return "Whether the token is an access or a refresh token."
	case "provider":
		return "The third-party token provider."
	case "request":
		return "The code exchange: code, redirectUri and optionally clientId."
	case "refreshTokenBody":
		return "The refresh request: token and optionally clientId."
	case "roleName":
		return "The role to get credentials for."
	case "accountId":
		return "The 12-digit account id."
	case "accessToken":
		return "The SSO access token from create-token or sso login."
	case "nextToken":
		return "Where to continue listing (from a previous response)."
	case "maxResults":
		return "The largest page to ask for."
	}
	return ""
}
