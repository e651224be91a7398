// Package authz decides what tenant staff may do by asking Ory Keto.
//
// The permission model lives in namespaces.keto.ts (Ory Permission Language);
// this package writes relation tuples when staff join, change role or leave, and
// checks permits through keto-client-go. It fails closed: when Keto cannot answer,
// every check is refused. It is not for viewer entitlements (billing) or for the
// platform operator.
package authz
