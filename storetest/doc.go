// Package storetest is the conformance suite every storage backend runs: Run
// checks each method of the store interfaces in package signet against the
// contract in their doc comments, RunRace races two store handles on one
// database (two processes, as far as the database can tell) for every
// single-use decision. Subtests carry the catalogue IDs of
// docs/spec/security.md where one applies (CC-01, RT-02, …).
//
// Tests pass explicit times and never sleep: every expiry and window is
// checked by moving Now.
package storetest
