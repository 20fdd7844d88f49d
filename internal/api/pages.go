package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"zoompool/internal/pool"
)

// MaxPageSize is the most items one page of a list holds, and the size of a
// page when the request asks for none.
const MaxPageSize = 1000

// pageRequest reads a list's ?limit= (1 to MaxPageSize, default MaxPageSize)
// and ?cursor= (from the Link header of the page before; none for the first).
func pageRequest(r *http.Request) (cursor string, limit int, err error) {
	v := r.URL.Query()
	limit = MaxPageSize
	if s := v.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > MaxPageSize {
			return "", 0, pool.Invalidf("limit must be a whole number from 1 to %d; got %q", MaxPageSize, s)
		}
	}
	return v.Get("cursor"), limit, nil
}

// setNextPage points the client at the next page of the list r asked for,
// when there is one: Link: <same path and query, with cursor=next>; rel="next"
// (RFC 8288).
func setNextPage(w http.ResponseWriter, r *http.Request, next string) {
	if next == "" {
		return
	}
	q := r.URL.Query()
	q.Set("cursor", next)
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", u.String()))
}
