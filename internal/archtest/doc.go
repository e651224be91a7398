// Package archtest holds the architecture as a test: nothing but the
// composition roots (cmd, platform) imports graph, api or cmd; domain packages
// import neither gqlgen nor Temporal; db imports no domain; every package has a
// doc comment. It has no code of its own.
package archtest
