package locker

// OpenDriverURL opens the driver itself, for tests of optional driver
// interfaces (backend.Pinger) that the Store in this branch does not call.
var OpenDriverURL = new(URLOpener).OpenDriverURL
