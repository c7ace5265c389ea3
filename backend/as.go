package backend

// AsClient is the body of a driver's As: it sets i to c when i is a
// pointer to c's type (a **api.Client for a *api.Client), and reports
// whether it did.
//
//	func (d *driver) As(i any) bool { return backend.AsClient(i, d.client) }
func AsClient[C any](i any, c C) bool {
	p, ok := i.(*C)
	if ok {
		*p = c
	}
	return ok
}
