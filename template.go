// Package zoompool embeds the SAM template, the one definition of the table and
// the HTTP routes, for the local runner and the tests.
package zoompool

import _ "embed"

// Template is template.yaml.
//
//go:embed template.yaml
var Template []byte
