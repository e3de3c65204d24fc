#!/usr/bin/env bash
# Print the path of a working python interpreter for version $1 (e.g. 3.8).
# Tries pythonX.Y on PATH (pyenv shims print an error when the version is not
# selected, so the interpreter is run, not just looked up), then pyenv's
# versions folder, then /usr/bin and /usr/local/bin.
set -u
version="$1"
candidates=("python$version")
root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
for dir in "$root"/versions/"$version".*/bin; do
  candidates+=("$dir/python$version")
done
candidates+=("/usr/local/bin/python$version" "/usr/bin/python$version")
for candidate in "${candidates[@]}"; do
  if "$candidate" -c 'import sys' >/dev/null 2>&1; then
    command -v "$candidate" 2>/dev/null || echo "$candidate"
    exit 0
  fi
done
echo "no working python$version found" >&2
exit 1
