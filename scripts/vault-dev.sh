#!/usr/bin/env bash
# Prints the path of a Vault dev-server binary built from tools/vault (Vault's
# own main, pinned by tools/vault/go.sum), building it first if needed. The
# binary is cached outside the tree, keyed by version: a warm call costs
# nothing; a cold build is ~8-10 min of compile on 2 cores plus downloads.
set -euo pipefail
VAULT_VERSION=v1.21.1
root=$(cd "$(dirname "$0")/.." && pwd)
out=${VAULT_DEV_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/polysecret/vault-$VAULT_VERSION}
if [ -x "$out" ] && "$out" version 2>/dev/null | grep -q "^Vault $VAULT_VERSION,"; then
	echo "$out"
	exit 0
fi
echo "vault-dev: building Vault $VAULT_VERSION into $out (first time only; ~10 min)" >&2
mkdir -p "$(dirname "$out")"
start=$(date +%s)
(cd "$root/tools/vault" && go build -trimpath -buildvcs=false -ldflags='-s -w' -o "$out.tmp.$$" .) >&2
mv "$out.tmp.$$" "$out"
echo "vault-dev: built in $(( $(date +%s) - start ))s" >&2
echo "$out"
