// Package uibuilder serves the two token operations of AWS Amplify UI
// Builder (service amplifyuibuilder, API version 2021-08-11, restJson1),
// ExchangeCodeForToken (POST /tokens/{provider}) and RefreshToken (POST
// /tokens/{provider}/refresh), as docs/spec/aws/amplifyuibuilder.md
// describes them, on top of package broker: an application signs the call
// with SigV4 for the signing name amplifyuibuilder, names a provider (figma
// or another configured one) and sends the provider's code or refresh
// token; signet calls the provider with the client secret it keeps and
// answers with the provider's tokens.
//
// The request body is the bare inner object the model makes the HTTP
// payload ({"code","redirectUri","clientId"}, {"token","clientId"}); the
// responses are {"accessToken","expiresIn","refreshToken"} and
// {"accessToken","expiresIn"}, expiresIn in seconds. The only modeled error
// is InvalidParameterException (400, {"message"}); the others follow AWS
// convention: the SigV4 failures of package sigv4 (403), 403
// AccessDeniedException, 429 ThrottlingException with Retry-After, and 500
// InternalServerException, which the SDKs retry. The exception name is in
// the x-amzn-ErrorType header, which is what the SDKs read.
package uibuilder
