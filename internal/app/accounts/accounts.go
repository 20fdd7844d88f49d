// Package accounts wires the accounts function: the Zoom accounts API.
package accounts

import (
	"io"

	"zoompool/internal/api"
	"zoompool/internal/app/core"
)

// Handler returns the accounts function's handler.
func Handler(base *core.Base) *api.Router {
	return base.SignedIn(api.NewAccounts(base.Store, base.Log))
}

// FromEnv builds the deployed function's handler from its environment,
// logging to w.
func FromEnv(getenv func(string) string, w io.Writer) (*api.Router, error) {
	base, err := core.FromEnv(getenv, w)
	if err != nil {
		return nil, err
	}
	return Handler(base), nil
}
