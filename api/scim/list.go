package scim

import (
	"net/http"
	"strconv"
	"strings"
)

// Listing (RFC 7644 §3.4.2): filter, then the page from startIndex
// (1-based) of at most count resources; attributes and excludedAttributes
// select top-level attributes (Entra ID asks for groups without members).
// Sorting is not offered (ServiceProviderConfig says so).

// maxPage bounds count.
const maxPage = 1000

type listQuery struct {
	filter     filter
	start      int
	count      int
	attributes []string
	excluded   []string
}

func readListQuery(r *http.Request) (listQuery, error) {
	q := r.URL.Query()
	l := listQuery{start: 1, count: maxPage}
	if s := q.Get("filter"); s != "" {
		f, err := parseFilter(s)
		if err != nil {
			return l, errInvalidFilter(err.Error())
		}
		l.filter = f
	}
	if s := q.Get("startIndex"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return l, errInvalidValue("startIndex must be an integer.")
		}
		l.start = max(n, 1) // RFC 7644 §3.4.2.4: less than 1 is 1
	}
	if s := q.Get("count"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return l, errInvalidValue("count must be an integer.")
		}
		l.count = min(max(n, 0), maxPage) // negative is 0
	}
	l.attributes, l.excluded = names(q.Get("attributes")), names(q.Get("excludedAttributes"))
	return l, nil
}

func names(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			if a, err := parseAttrPath(n); err == nil {
				out = append(out, a.attr)
			}
		}
	}
	return out
}

// page is the ListResponse of the resources the query selects.
func (l listQuery) page(all []map[string]any) map[string]any {
	var hits []map[string]any
	for _, res := range all {
		if l.filter == nil || l.filter.match(res) {
			hits = append(hits, res)
		}
	}
	from := min(l.start-1, len(hits))
	to := min(from+l.count, len(hits))
	out := make([]any, 0, to-from)
	for _, res := range hits[from:to] {
		out = append(out, l.project(res))
	}
	return map[string]any{"schemas": []any{listSchema}, "totalResults": len(hits), "startIndex": l.start,
		"itemsPerPage": len(out), "Resources": out}
}

// alwaysReturned attributes stay whatever the query asks (RFC 7643 §7).
var alwaysReturned = map[string]bool{"id": true, "schemas": true, "meta": true}

// project applies attributes and excludedAttributes.
func (l listQuery) project(res map[string]any) map[string]any {
	if len(l.attributes) == 0 && len(l.excluded) == 0 {
		return res
	}
	out := map[string]any{}
	for k, v := range res {
		lk := strings.ToLower(k)
		switch {
		case alwaysReturned[lk]:
		case len(l.attributes) > 0 && !contains(l.attributes, lk):
			continue
		case contains(l.excluded, lk):
			continue
		}
		out[k] = v
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writeResource writes one resource with the query's projection.
func (h *Handler) writeResource(w http.ResponseWriter, r *http.Request, res map[string]any) error {
	q := r.URL.Query()
	l := listQuery{attributes: names(q.Get("attributes")), excluded: names(q.Get("excludedAttributes"))}
	writeJSON(w, http.StatusOK, l.project(res))
	return nil
}
