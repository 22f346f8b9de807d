package web

import (
	"context"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
)

// EngineBackend serves second factors from the engine too.
var _ MFABackend = EngineBackend{}

// SecondStep asks the engine's policy.
func (b EngineBackend) SecondStep(ctx context.Context, u signet.User, amr []string) (MFAState, error) {
	step, st, err := b.Engine.SecondStepFor(ctx, u, amr)
	if err != nil {
		return MFAState{}, err
	}
	s := MFAState{Policy: st.Policy, TOTP: st.TOTP, TOTPAdded: st.TOTPAdded, RecoveryLeft: st.RecoveryLeft, Passkeys: st.Passkeys}
	switch step {
	case authserver.StepVerify:
		s.Step = MFAVerify
	case authserver.StepEnrol:
		s.Step = MFAEnrol
	}
	return s, nil
}

// CheckSecondFactor is the engine's check of an approval.
func (b EngineBackend) CheckSecondFactor(ctx context.Context, userID string, amr []string) error {
	return b.Engine.CheckSecondFactor(ctx, userID, amr)
}

// BeginTOTP draws an authenticator secret.
func (b EngineBackend) BeginTOTP(u signet.User) (string, string, []byte, error) {
	e, err := b.Engine.BeginTOTP(u)
	return e.Secret, e.URL, e.QR, err
}

// ConfirmTOTP enrols an authenticator.
func (b EngineBackend) ConfirmTOTP(ctx context.Context, token, secret, code string) (string, signet.BrowserSession, error) {
	return b.Engine.ConfirmTOTP(ctx, token, secret, code)
}

// VerifyTOTP is the second step with an authenticator code.
func (b EngineBackend) VerifyTOTP(ctx context.Context, token, code string) (signet.BrowserSession, error) {
	return b.Engine.VerifyTOTP(ctx, token, code)
}

// UseRecoveryCode is the second step with a recovery code.
func (b EngineBackend) UseRecoveryCode(ctx context.Context, token, code string) (signet.BrowserSession, error) {
	return b.Engine.UseRecoveryCode(ctx, token, code)
}

// RegenerateRecoveryCodes makes new recovery codes.
func (b EngineBackend) RegenerateRecoveryCodes(ctx context.Context, token string) ([]string, string, signet.BrowserSession, error) {
	return b.Engine.RegenerateRecoveryCodes(ctx, token)
}

// RemoveSecondFactors removes the factors.
func (b EngineBackend) RemoveSecondFactors(ctx context.Context, token string) (string, signet.BrowserSession, error) {
	return b.Engine.RemoveSecondFactors(ctx, token)
}

// PasskeysEnabled reports whether the engine serves passkeys.
func (b EngineBackend) PasskeysEnabled() bool { return b.Engine.PasskeysEnabled() }

// BeginPasskeyRegistration starts adding a passkey.
func (b EngineBackend) BeginPasskeyRegistration(ctx context.Context, token string) ([]byte, []byte, error) {
	return b.Engine.BeginPasskeyRegistration(ctx, token)
}

// FinishPasskeyRegistration adds the passkey.
func (b EngineBackend) FinishPasskeyRegistration(ctx context.Context, token string, state, response []byte, name string) (string, signet.BrowserSession, error) {
	return b.Engine.FinishPasskeyRegistration(ctx, token, state, response, name)
}

// BeginPasskeyLogin starts a passkey sign-in.
func (b EngineBackend) BeginPasskeyLogin(ctx context.Context, token string) ([]byte, []byte, error) {
	return b.Engine.BeginPasskeyLogin(ctx, token)
}

// FinishPasskeyLogin checks a passkey sign-in.
func (b EngineBackend) FinishPasskeyLogin(ctx context.Context, token string, state, response []byte, address, userAgent string) (string, signet.BrowserSession, error) {
	return b.Engine.FinishPasskeyLogin(ctx, token, state, response, address, userAgent)
}

// RemovePasskey removes a passkey.
func (b EngineBackend) RemovePasskey(ctx context.Context, token string, id []byte) (string, signet.BrowserSession, error) {
	return b.Engine.RemovePasskey(ctx, token, id)
}
