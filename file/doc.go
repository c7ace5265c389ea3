// Package file is the file:// driver: a persistent secret store in one
// file, encrypted at rest with age (filippo.io/age) to an X25519 identity.
// It needs no server: it is what local development, CI fixtures and a
// laptop use between mem:// (gone at exit) and Vault.
//
// Everything memory has is native: environments, versions (the last 100 of
// each secret), types, labels, expiry, paging with exactly-once listings,
// delete, writes of one field. The semantics are memory's.
//
// # URLs
//
//	file:///abs/path/to/store.secrets?identity=/path/to/key.txt
//
// The path is absolute; the host is empty (or localhost). Parameters:
//
//	identity   path of an age identity file (as written by age-keygen); its
//	           first X25519 identity is used. Without it the identity is
//	           read from the environment variable POLYSECRET_AGE_IDENTITY,
//	           which holds the key itself (AGE-SECRET-KEY-1…).
//	recipient  an extra age1… X25519 recipient the file is also encrypted
//	           to (repeatable), so that a second key can open it.
//
// plus the common env and readonly. A key is never accepted in the URL: a
// parameter holding an AGE-SECRET-KEY is InvalidArgument (and its value is
// not echoed).
//
// A missing file is an empty store; it is created (mode 0600) by the first
// write. Its directory must exist.
//
// # Format
//
// The file is an age-encrypted (binary, not armored) JSON document, to the
// identity's recipient and the extra recipients, so that
//
//	age -d -i key.txt store.secrets
//
// prints it. The document, format version 1:
//
//	{
//	  "format": 1,
//	  "environments": [
//	    {"name": "prod", "description": "…", "external_url": "…",
//	     "id": "file:env/prod", "created_at": "RFC 3339", "updated_at": "RFC 3339"}
//	  ],
//	  "secrets": [
//	    {"environment": "" (global) or "prod", "key": "DB_PASSWORD",
//	     "next_version": 3,
//	     "versions": [          // oldest first; the last is current
//	       {"version": "1", "value": "…" or "value_base64": "…",
//	        "description": "…", "type": "generic", "labels": {"k": "v"},
//	        "expires_at": "RFC 3339", "created_at": "…", "updated_at": "…"}
//	     ]}
//	  ]
//	}
//
// A value that is valid UTF-8 is in "value"; any other value (binary) is in
// "value_base64" (standard encoding). Optional members are omitted when
// empty. Readers ignore members they do not know; a document whose
// "format" is greater than 1 was written by a newer polysecret and is
// refused.
//
// # Errors
//
// Nothing is ever written over a file the driver could not read. Opening a
// store (and every later read that finds the file changed):
//
//	the identity cannot decrypt the file           PermissionDenied
//	not an age file, truncated, tampered, not JSON  Internal
//	"format" newer than this driver's               FailedPrecondition
//	a malformed identity or recipient               InvalidArgument
//	the directory does not exist                    FailedPrecondition
//
// # Sharing and atomicity
//
// Every write is a read-modify-write under an advisory lock (flock on the
// side file <path>.lock, created next to the store): the driver re-reads
// the file if it changed, applies the change, writes the whole file to a
// temporary file in the same directory, fsyncs it, renames it over the
// store and fsyncs the directory. A crash at any point leaves the old or
// the new file, never a torn one; processes sharing a file never lose an
// update (AtomicModify), and a move between environments is one write
// (AtomicMove). Reads are served from memory; before each, one stat of the
// file says whether another process replaced it (device, inode, size and
// modification time; the driver keeps the file it read open, so its inode
// cannot be reused), and only then is it read again. Readers take no lock.
//
// A write waiting for the lock gives up when its context ends
// (Canceled, DeadlineExceeded); nothing is written then.
//
// The lock is flock(2): it works between processes on one machine, and is
// not reliable on network file systems. The driver builds on Linux,
// macOS, FreeBSD, NetBSD and OpenBSD.
//
// # As
//
// The file driver exposes no client: As and ErrorAs always answer false.
package file
