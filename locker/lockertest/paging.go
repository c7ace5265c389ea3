package lockertest

import (
	"net/http"
	"net/url"
	"strconv"
)

// Paging: list answers are pages of the list envelope, with next and
// previous links relative to the API base.

// page serves one page of items with the list envelope; next is a path
// relative to the API base.
func (s *Server) page(w http.ResponseWriter, r *http.Request, path string, items []any) {
	q := r.URL.Query()
	pageN, _ := strconv.Atoi(q.Get("page"))
	if pageN < 1 {
		pageN = 1
	}
	size, _ := strconv.Atoi(q.Get("size"))
	if size < 1 || size > 2000 {
		size = 2000
	}
	if m := int(s.hooks.maxPage.Load()); m > 0 && size > m {
		size = m
	}
	start := min((pageN-1)*size, len(items))
	end := min(start+size, len(items))
	link := func(n int) any {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("page", strconv.Itoa(n))
		return path + "?" + nq.Encode()
	}
	var next, prev any
	if end < len(items) {
		next = link(pageN + 1)
	}
	if f := s.hooks.next.Load(); f != nil {
		n, _ := next.(string)
		if n = (*f)(n); n != "" {
			next = n
		} else {
			next = nil
		}
	}
	if pageN > 1 {
		prev = link(pageN - 1)
	}
	res := items[start:end]
	if res == nil {
		res = []any{}
	}
	writeJSON(w, 200, map[string]any{"count": len(items), "next": next, "previous": prev, "revision_date": now(), "results": res})
}
