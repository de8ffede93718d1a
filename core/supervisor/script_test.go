package supervisor

// The interaction tests run testdata scripts through sim/script; the
// commands are in harness_test.go. Regenerate outputs with -rewrite.
