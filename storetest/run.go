package storetest

import (
	"testing"

	"github.com/signet-auth/signet"
)

// Run runs the conformance suite; open returns fresh, empty stores for each
// subtest (and cleans them up through t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) signet.Stores) {
	tests := []struct {
		name string
		fn   func(*fixture)
	}{
		{"Users", testUsers},
		{"Clients", testClients},
		{"DeleteClientRevokesSessions", testDeleteClient},
		{"ClientEpoch", testClientEpoch},
		{"CodeClientEpoch", testCodeClientEpoch},
		{"DeviceClientEpoch", testDeviceClientEpoch},
		{"RotateBudget", testRotateBudget},
		{"RedeemCode", testRedeemCode},
		{"AC-02/FailedCheckBurnsCode", testFailedCheckBurnsCode},
		{"AC-07/SecondRedemptionRevokesSession", testSecondRedemption},
		{"Devices", testDevices},
		{"DecideDevice", testDecideDevice},
		{"DV-04/DeniedIsFinal", testDeniedIsFinal},
		{"PollDevice", testPollDevice},
		{"AB-03/PollBurstThenSlowDown", testPollDeviceBurst},
		{"Rotate", testRotate},
		{"RotateRefusals", testRotateRefusals},
		{"RT-01/ReuseAfterGraceRevokesSession", testReuseAfterGrace},
		{"RT-02/RetryInsideGraceGetsSameSuccessor", testRetryInsideGrace},
		{"RT-04/ExpiredRefreshTokenFailsInsideGrace", testExpiredInsideGrace},
		{"Sessions", testSessions},
		{"StartSession", testStartSession},
		{"AU-02/StartSessionRecordedWithItsSession", testStartSessionAudit},
		{"BrowserSessions", testBrowserSessions},
		{"Replay", testReplay},
		{"RateLimit", testRateLimit},
		{"AccessKeys", testAccessKeys},
		{"ClientKeys", testClientKeys},
		{"RoleBindings", testRoleBindings},
		{"Federation", testFederation},
		{"UpstreamLogins", testUpstreamLogins},
		{"SigninStatements", testSigninStatements},
		{"ConsoleAuthorization", testConsoleAuthorization},
		{"SigninStatementsCollected", testSigninStatementsCollected},
		{"AU-01/Audit", testAudit},
		{"AU-03/ScanStreamsPages", testAuditPages},
		{"AU-02/PruneOnlyByAge", testAuditPrune},
		{"AU-02/GrantCommitsItsRecord", testGrantAudit},
		{"MF-01/SecondFactors", testMFA},
		{"MF-02/Passkeys", testPasskeys},
		{"SCIM", testSCIM},
		{"Keys", testKeys},
		{"CC-05/PanicCommitsNothing", testPanicCommitsNothing},
		{"GC", testCollect},
		{"Health", testHealth},
		{"SE-01/DumpHoldsNoSecret", testDumpHoldsNoSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(newFixture(t, open(t)))
		})
	}
}

// RunRace runs the races of catalogue section 9 between two store handles
// on one database: openTwo returns both, freshly opened on the same, empty
// database.
func RunRace(t *testing.T, openTwo func(t *testing.T) (signet.Stores, signet.Stores)) {
	tests := []struct {
		name string
		fn   func(t *testing.T, a, b signet.Stores)
	}{
		{"CC-01/RacingRedemptions", testRacingRedemptions},
		{"CC-02/RacingRefreshes", testRacingRefreshes},
		{"AU-01/RacingAuditedRotations", testRacingAuditedRotations},
		{"DV-05/RacingPolls", testRacingPolls},
		{"DV-02/RacingEarlyPolls", testRacingEarlyPolls},
		{"CC-08/RacingReplayMarks", testRacingReplay},
		{"CC-08/SharedRateLimitWindow", testRacingRateLimit},
		{"RacingKeyCreation", testRacingKeys},
		{"RacingDecisions", testRacingDecisions},
		{"RacingSigninStatements", testRacingSigninStatements},
		{"MF-04/RacingSecondFactors", testRacingSecondFactors},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := openTwo(t)
			tt.fn(t, a, b)
		})
	}
}
