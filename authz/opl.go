package authz

import _ "embed"

// OPL is the permission model in Ory Permission Language; the dev stack hands it
// to Keto as its namespaces file.
//
//go:embed namespaces.keto.ts
var OPL []byte
